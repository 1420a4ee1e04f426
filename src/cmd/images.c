/* images.c: `kaic images`: the one image to mirror for air-gapped clusters. */
#include "cmd/cmd.h"

static int images_exec(const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {{"image", required_argument, NULL, 'i'},
					     {NULL, 0, NULL, 0}};
	const char *image = KAIC_DEFAULT_IMAGE;
	int c;
	optind = 0;
	while ((c = cmd_getopt(self->name, argc, argv, "+:", opts)) != -1) {
		if (c == '?')
			return KAIC_EXIT_USAGE;
		if (*optarg == '\0')
			return cmd_usage_error(self->name, "invalid value \"\" for --image");
		image = optarg;
	}
	if (cmd_no_args(self->name, argc, argv) != 0)
		return KAIC_EXIT_USAGE;
	printf("%s\n", image);
	return KAIC_EXIT_OK;
}

const struct cmd_entry cmd_images_entry = {
    .name = "images",
    .usage = "images [--image REF]",
    .help =
	"Print the one container image to mirror for air-gapped clusters.\n"
	"\n"
	"  --image REF   the image \"kaic run --image REF\" would use (default " KAIC_DEFAULT_IMAGE
	")\n"
	"\n"
	"Every test pod runs this image (its \"kaic probe\" subcommands do the in-pod\n"
	"work). Mirror it, then pass the mirrored reference to \"kaic run --image\".\n",
    .exec = images_exec,
    .flags = 0,
};
