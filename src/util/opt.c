/* opt.c: getopt_long's answers as one-line messages (see opt.h). */
#include "util/opt.h"

#include <string.h>

#include "util/xmalloc.h"

char *opt_message(int c, const char *cur, int optopt)
{
	if (cur != NULL && strncmp(cur, "--", 2) == 0) {
		int len = (int)strcspn(cur, "=");
		if (c == ':')
			return xasprintf("option \"%.*s\" needs a value", len, cur);
		if (optopt != 0 && cur[len] == '=')
			return xasprintf("option \"%.*s\" takes no value", len, cur);
		return xasprintf("unknown option \"%.*s\"", len, cur);
	}
	if (c == ':')
		return xasprintf("option \"-%c\" needs a value", optopt);
	if (optopt > ' ' && optopt < 127)
		return xasprintf("unknown option \"-%c\"", optopt);
	return xasprintf("unknown option \"%s\"", cur ? cur : "?");
}
