/* main.c: kaic-sim entry point (temporary until the server lands). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "kaic-sim: not built yet\n");
	return 2;
}
