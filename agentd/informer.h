/* informer.h: list-then-watch loops that keep the cache current and queue the tools
 * an event concerns: AgentTools (the tool itself), Services and EndpointSlices (every
 * tool whose serviceRef names the Service). A watch resumes from the last
 * resourceVersion (bookmarks included); 410 Gone or any other error relists. */
#ifndef KAIC_AGENTD_INFORMER_H
#define KAIC_AGENTD_INFORMER_H

#include <pthread.h>

#include "ctl.h"

enum informer_kind { INF_TOOLS, INF_SERVICES, INF_SLICES };

struct informer {
	struct ctl *c;
	enum informer_kind kind;
	const char *ns; /* NULL: all namespaces */
	char *path;	/* the collection */
	pthread_t thread;
	char *rv;
	bool counted; /* has listed once */
};

void informer_start(struct informer *in, struct ctl *c, enum informer_kind kind, const char *ns);
void informer_join(struct informer *in);
/* Queues every cached tool (the periodic resync). */
void informer_resync(struct ctl *c);

#endif
