/* main.c: command dispatch (temporary: version only until the commands land). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "version") == 0) {
		printf("kaic %s\n", KAIC_VERSION);
		return 0;
	}
	fprintf(stderr, "kaic: usage: kaic version\n");
	return 2;
}
