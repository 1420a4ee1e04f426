/* apiservice.h: the local APIServices kube-apiserver's aggregator keeps, one per group/
 * version the server itself serves: the built-in ones registered at start (label
 * kube-aggregator.kubernetes.io/automanaged=onstart, the upstream priorities) and those of
 * CustomResourceDefinitions (automanaged=true, kube-aggregator's crdregistration
 * controller: groupPriorityMinimum 1000, versionPriority 100), each Available with
 * reason Local. An APIService of the same name already stored (a scenario's) is left
 * as it is. */
#ifndef KAIC_SIM_OBJECTS_APISERVICE_H
#define KAIC_SIM_OBJECTS_APISERVICE_H

#include "model/store.h"

/* Starts the aggregator's registration (api->mu held): sets api->local_apiservices and
 * creates the local APIService of every group/version served now. */
void sim_apiservices_start(struct sim_api *api);
/* After a CRD was created, updated or deleted (api->mu held): once started, creates the
 * APIServices of group/versions CRDs now serve and deletes the automanaged=true ones of
 * group/versions no CRD serves any more. Does nothing before sim_apiservices_start. */
void sim_apiservices_crds_changed(struct sim_api *api);

#endif
