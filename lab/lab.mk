# kaic lab: a real Kubernetes control plane built from upstream Go modules (docs/lab.md).
# Included by the top-level Makefile; `make test` never needs Go or the lab.
#   make lab-build   build/lab/bin/: kube-apiserver, kube-controller-manager,
#                    kube-scheduler, etcd, kwok (LAB_K8S=1.34 for the other line); the
#                    real node's kubelet, kube-proxy, containerd, registry, CoreDNS,
#                    kube-router; build/lab/images/pause
#   make lab         start it (LAB_NODES kwok nodes, default 3, and the real node
#                    lab-real-0 unless LAB_REAL_NODE=0); build/lab/kubeconfig.
#                    PROFILE=ai adds the AI platform's components (the DRA driver
#                    gpu.example.com, Traefik, kaic-agentd; no kwok node unless
#                    LAB_NODES says so); PROFILE=bare (the default) is the node alone
#   make lab-down    stop it and remove its state
#   make lab-status  one line per component
#   make test-lab    build (cached), start (PROFILE=ai unless given), run tests/lab/, stop
#   make bench-lab   bench/passive-lab.sh (5,000 kwok nodes; slow)
LAB_GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)

.PHONY: lab-build lab lab-down lab-status test-lab bench-lab

lab-build:
	@PATH="$(dir $(LAB_GO)):$$PATH" ./lab/build.sh

# the ai profile's kaic-agentd runs kaic's image
lab: lab-build $(if $(filter ai,$(or $(PROFILE),$(LAB_PROFILE))),image)
	@$(if $(PROFILE),LAB_PROFILE=$(PROFILE) )./scripts/lab up

lab-down:
	@./scripts/lab down

lab-status:
	@./scripts/lab status

# the real node's tests run kaic's image (make image), pushed to the lab's registry
test-lab: build lab-build image
	@LAB_PROFILE=$(or $(PROFILE),ai) ./scripts/lab up
	@BUILD=$(BUILD) ./tests/lab/run.sh; rc=$$?; ./scripts/lab down; exit $$rc

bench-lab: build lab-build
	LAB_BENCH=1 BUILD=$(BUILD) ./bench/passive-lab.sh
