/* known_observability.c: known monitoring and tracing stacks (APIs, collector
 * images, scrape annotations, OTLP and backend ports), for the Observability checks. */
#include <stddef.h>

#include "checks/known.h"

const struct known_mon_api known_monitoring_apis[] = {
    {"Prometheus Operator", "monitoring.coreos.com", "prometheuses", "Prometheus", MON_COLLECTOR},
    {"Prometheus Operator", "monitoring.coreos.com", "prometheusagents", "PrometheusAgent",
     MON_COLLECTOR},
    {"Prometheus Operator", "monitoring.coreos.com", "servicemonitors", "ServiceMonitor",
     MON_TARGETS},
    {"Prometheus Operator", "monitoring.coreos.com", "podmonitors", "PodMonitor", MON_TARGETS},
    {"Google Managed Prometheus", "monitoring.googleapis.com", "podmonitorings", "PodMonitoring",
     MON_MANAGED},
    {"Google Managed Prometheus", "monitoring.googleapis.com", "clusterpodmonitorings",
     "ClusterPodMonitoring", MON_MANAGED},
    {"VictoriaMetrics operator", "operator.victoriametrics.com", "vmagents", "VMAgent",
     MON_COLLECTOR},
    {"VictoriaMetrics operator", "operator.victoriametrics.com", "vmservicescrapes",
     "VMServiceScrape", MON_TARGETS},
    {"VictoriaMetrics operator", "operator.victoriametrics.com", "vmpodscrapes", "VMPodScrape",
     MON_TARGETS},
    {NULL, NULL, NULL, NULL, MON_TARGETS},
};

const struct known_workload known_collector_images[] = {
    {"prometheus/prometheus", "Prometheus"},
    {"prom/prometheus", "Prometheus"},
    {"victoriametrics/vmagent", "VictoriaMetrics vmagent"},
    {"grafana/alloy", "Grafana Alloy"},
    {"grafana/agent", "Grafana Agent"},
    {NULL, NULL},
};

const char *const known_scrape_annotations[] = {"prometheus.io/scrape", NULL};

const struct known_api known_tracing_apis[] = {
    {"opentelemetry.io", "opentelemetrycollectors", "OpenTelemetryCollector",
     "OpenTelemetry operator"},
    {"opentelemetry.io", "instrumentations", "Instrumentation", "OpenTelemetry operator"},
    {NULL, NULL, NULL, NULL},
};

const struct known_api known_trace_backend_apis[] = {
    {"jaegertracing.io", "jaegers", "Jaeger", "Jaeger operator"},
    {"tempo.grafana.com", "tempostacks", "TempoStack", "Tempo operator"},
    {"tempo.grafana.com", "tempomonolithics", "TempoMonolithic", "Tempo operator"},
    {NULL, NULL, NULL, NULL},
};

const struct known_port known_otlp_ports[] = {
    {4317, "otlp-grpc", "OTLP/gRPC"},
    {4318, "otlp-http", "OTLP/HTTP"},
    {0, NULL, NULL},
};

const struct known_port known_trace_backend_ports[] = {
    {16686, "http-query", "Jaeger query"},
    {3200, "http-tempo", "Tempo query"},
    {0, NULL, NULL},
};
