/* main.c: kaic's entry point; the commands live in cmd/ (also run as the kubectl
 * plugin kubectl-aiconformance, which kubectl calls with the same arguments). */
#include "cmd/cmd.h"

int main(int argc, char **argv)
{
	return cmd_main(argc, argv);
}
