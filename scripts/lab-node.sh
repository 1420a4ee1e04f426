# scripts/lab-node.sh: the lab's real node (docs/lab.md, "The real node"). Sourced by
# scripts/lab, which defines TOP, BIN, RUN, PKI, die, start, alive, pid_of, sign, kubeconfig.
#
# The node runs in a network namespace of its own (a file, $RUN/node/netns), joined to
# the host by one veth pair: kaiclab-XXXX (host, 10.250.0.1) and eth0 (node, 10.250.0.2,
# the node's InternalIP). containerd, kubelet and kube-proxy run in it (nsenter --net:
# the host's mount namespace, so that kubelet's and containerd's mounts see each other),
# with every directory and socket under $RUN/node. lab-forward.py makes the apiserver's
# and the registry's ports on the host's 127.0.0.1 answer on the node's 127.0.0.1 too,
# so that one kubeconfig and one image name work on both sides; it also listens on the
# node's address for the apiserver, which then advertises that address (the kubernetes
# Service's endpoint), so that pods reach the apiserver through 10.96.0.1. Pods get 10.251.0.0/24
# on the bridge kaic0 inside the namespace (CNI bridge, host-local, loopback, portmap).
# Nothing of the host's network changes but the veth: no iptables rule, no sysctl.
#
# LAB_REAL_NODE=0 starts the lab without it.

NODE=$RUN/node
NODE_NETNS=$NODE/netns
NODE_NAME=lab-real-0
NODE_IP=10.250.0.2
NODE_HOST_IP=10.250.0.1
NODE_LINK=10.250.0.0/30
POD_CIDR=10.251.0.0/24
DNS_IP=10.96.0.10
NODE_SOCK=$NODE/containerd/containerd.sock
# per checkout, so that two checkouts' nodes never share a name (only one runs at a time:
# the veth's addresses are fixed)
NODE_TAG=$(printf '%s' "$TOP" | sha256sum | cut -c1-4)
NODE_VETH=kaiclab-$NODE_TAG
NODE_CGROUP=kaic-lab-$NODE_TAG
# the NetworkPolicy engine: kube-router's firewall alone; LAB_NETPOL=off runs the node
# without one (NetworkPolicies are then stored and never enforced). The choice made when
# the node started is kept in $NODE/netpol, for status and down.
netpol_on() {
	if [ -f "$NODE/netpol" ]; then [ "$(cat "$NODE/netpol")" = on ]; else [ "${LAB_NETPOL:-on}" != off ]; fi
}
# the profile (docs/lab.md "Profiles"): bare, the node alone, or ai, the node plus the AI
# platform's components (the DRA driver gpu.example.com, Traefik as the Gateway API
# implementation, kaic-agentd as the AgentTool controller). LAB_PROFILE picks it at up;
# the choice is kept in $NODE/profile, for reset, status and down.
lab_profile() {
	if [ -f "$NODE/profile" ]; then cat "$NODE/profile"; else echo "${LAB_PROFILE:-bare}"; fi
}
DRA_PLUGIN=dra-example-kubeletplugin
AGENTD=kaic-agentd
# the ai profile's host processes, and all of its components that lab stop|start
# switches off and on (kaic-agentd runs as a Deployment on the node, not as a process)
AI_PROCESSES="$DRA_PLUGIN traefik"
AI_COMPONENTS="$AI_PROCESSES $AGENTD"
node_components() {
	local c="registry lab-forward containerd kubelet kube-proxy coredns" a
	if netpol_on; then c="$c kube-router"; fi
	# the ai profile's, each unless a test stopped it (lab stop, $NODE/COMPONENT.stopped)
	if [ "$(lab_profile)" = ai ]; then
		for a in $AI_PROCESSES; do [ -f "$NODE/$a.stopped" ] || c="$c $a"; done
	fi
	echo "$c"
}
NODE_COMPONENTS=$(node_components)

real_node() { [ "${LAB_REAL_NODE:-1}" != 0 ]; }

in_node() { nsenter --net="$NODE_NETNS" "$@"; }

# start_in_node COMPONENT ARGS...: like start, inside the node's network namespace
# (nsenter execs the binary, so the recorded PID is the component's)
start_in_node() {
	local c=$1
	shift
	setsid nsenter --net="$NODE_NETNS" "$BIN/$c" "$@" >"$RUN/$c.log" 2>&1 </dev/null &
	echo $! >"$RUN/$c.pid"
}

node_check() { # the node's prerequisites, before anything starts
	local b
	local want="containerd containerd-shim-runc-v2 ctr kubelet kube-proxy registry coredns"
	if [ "${LAB_NETPOL:-on}" != off ]; then want="$want kube-router"; fi
	case ${LAB_PROFILE:-bare} in
	bare) ;;
	ai)
		want="$want $AI_PROCESSES"
		[ -f "$BIN/gateway-api-crds.yaml" ] || die "$BIN/gateway-api-crds.yaml is missing: run make lab-build"
		[ -f "$TOP/build/image/oci/index.json" ] || die "kaic's image is missing: run make image (kaic-agentd runs it)"
		;;
	*) die "LAB_PROFILE must be bare or ai, not \"$LAB_PROFILE\"" ;;
	esac
	for b in $want; do
		[ -x "$BIN/$b" ] || die "$BIN/$b is missing: run make lab-build first (or LAB_REAL_NODE=0)"
	done
	[ -f "$LAB_DIR/images/pause/index.json" ] || die "$LAB_DIR/images/pause is missing: run make lab-build"
	for b in runc iptables ipset ip nsenter unshare skopeo; do
		command -v "$b" >/dev/null || die "$b is missing (scripts/install-deps.sh; docs/lab.md)"
	done
	for b in bridge host-local loopback portmap; do
		[ -x "/usr/lib/cni/$b" ] || die "/usr/lib/cni/$b is missing (apt-get install containernetworking-plugins)"
	done
	[ "$(id -u)" = 0 ] || die "the real node needs root (network namespace, cgroups, runc); LAB_REAL_NODE=0 runs without it"
	if ip -o addr show to "$NODE_LINK" 2>/dev/null | grep -q .; then
		die "another lab's real node holds $NODE_LINK ($(ip -o addr show to "$NODE_LINK" | awk '{print $2}')): stop it first"
	fi
}

# node_net_up: the namespace, the veth pair, the node's routes and forwarding
node_net_up() {
	mkdir -p "$NODE"
	touch "$NODE_NETNS"
	unshare --net="$NODE_NETNS" true
	ip link add "$NODE_VETH" type veth peer name eth0 netns "$NODE_NETNS"
	ip addr add "$NODE_HOST_IP/30" dev "$NODE_VETH"
	ip link set "$NODE_VETH" up
	in_node ip link set lo up
	in_node ip addr add "$NODE_IP/30" dev eth0
	in_node ip link set eth0 up
	in_node ip route add default via "$NODE_HOST_IP"
	# these sysctls are the namespace's own
	echo 1 | in_node tee /proc/sys/net/ipv4/ip_forward >/dev/null
	echo 1 | in_node tee /proc/sys/net/bridge/bridge-nf-call-iptables >/dev/null
	# pods reach the host side (10.250.0.1) as the node
	in_node iptables -t nat -A POSTROUTING -s "$POD_CIDR" ! -d "$POD_CIDR" -o eth0 -j MASQUERADE
}

node_pki() {
	local client='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'
	sign kubelet ca "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
	sign kube-proxy ca "/CN=system:kube-proxy" "$client"
	sign coredns ca "/CN=kaic-lab:coredns" "$client"
	sign kube-router ca "/CN=kaic-lab:kube-router" "$client"
	sign dra-driver ca "/CN=kaic-lab:dra-driver" "$client"
	sign traefik ca "/CN=kaic-lab:traefik" "$client"
	sign kubelet-serving ca "/CN=$NODE_NAME" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME"
	chmod 600 "$PKI"/*.key
	kubeconfig "$RUN/kubelet.kubeconfig" kubelet
	kubeconfig "$RUN/kube-proxy.kubeconfig" kube-proxy
	kubeconfig "$RUN/coredns.kubeconfig" coredns
	kubeconfig "$RUN/kube-router.kubeconfig" kube-router
	kubeconfig "$RUN/dra-driver.kubeconfig" dra-driver
	kubeconfig "$RUN/traefik.kubeconfig" traefik
}

# node_objects: the cluster objects the node's host processes need: RBAC for CoreDNS and
# kube-router (upstream's ClusterRoles, bound to their client certificates' users), and
# the kube-dns Service at 10.96.0.10 whose endpoint is CoreDNS on the node's address
node_objects() {
	kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: "kaic-lab:coredns", labels: {kaic.lab/node: "true"}}
  rules:
  - {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
  - {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: "kaic-lab:coredns", labels: {kaic.lab/node: "true"}}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "kaic-lab:coredns"}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "kaic-lab:coredns"}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: "kaic-lab:kube-router", labels: {kaic.lab/node: "true"}}
  rules:
  - {apiGroups: [""], resources: [namespaces, pods, services, nodes, endpoints], verbs: [list, get, watch]}
  - {apiGroups: [networking.k8s.io], resources: [networkpolicies], verbs: [list, get, watch]}
  - {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, get, watch]}
  - {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update]}
  - {apiGroups: [""], resources: [services/status], verbs: [update]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: "kaic-lab:kube-router", labels: {kaic.lab/node: "true"}}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "kaic-lab:kube-router"}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "kaic-lab:kube-router"}]
- apiVersion: v1
  kind: Service
  metadata:
    name: kube-dns
    namespace: kube-system
    labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS, kaic.lab/node: "true"}
  spec:
    clusterIP: $DNS_IP
    ports:
    - {name: dns, port: 53, protocol: UDP, targetPort: 53}
    - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata:
    name: kube-dns-lab
    namespace: kube-system
    labels: {kubernetes.io/service-name: kube-dns, endpointslice.kubernetes.io/managed-by: kaic.lab, kaic.lab/node: "true"}
  addressType: IPv4
  endpoints: [{addresses: ["$NODE_IP"], conditions: {ready: true}, nodeName: $NODE_NAME}]
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
EOF
}

# node_config: containerd's, CNI's, the registry's and kubelet's configuration files
node_config() {
	local reg="127.0.0.1:$REGISTRY_PORT"
	mkdir -p "$NODE/containerd" "$NODE/certs.d/$reg" "$NODE/cni/net.d" "$NODE/cdi" "$NODE/kubelet" \
		"$NODE/pod-logs" "$RUN/registry"
	# the registry: plain HTTP on the host's loopback; containerd pulls over plain HTTP
	# through its hosts configuration (config_path)
	cat >"$RUN/registry.yml" <<EOF
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $RUN/registry}, delete: {enabled: true}}
http: {addr: "$reg"}
EOF
	cat >"$NODE/certs.d/$reg/hosts.toml" <<EOF
server = "http://$reg"
[host."http://$reg"]
  capabilities = ["pull", "resolve"]
EOF
	# docker.io, the registry of an image named without one (kaic:VERSION, as deploy/
	# and kaic run's default name it), is the lab's registry too: nothing is pulled from
	# outside, and an image the lab lacks fails at once with "not found"
	mkdir -p "$NODE/certs.d/docker.io"
	cp "$NODE/certs.d/$reg/hosts.toml" "$NODE/certs.d/docker.io/hosts.toml"
	cat >"$NODE/cni/net.d/10-kaic-lab.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "kaic-lab",
  "plugins": [
    {"type": "bridge", "bridge": "kaic0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$NODE/cni/ipam",
              "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
	# containerd 2.x (config version 3): every path of its own under $NODE; CDI on
	# (part 3's DRA driver injects devices through it); runc from Debian, cgroupfs
	cat >"$NODE/containerd/config.toml" <<EOF
version = 3
root = "$NODE/containerd/root"
state = "$NODE/containerd/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.nri.v1.nri",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.blockfile", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$NODE_SOCK"
[ttrpc]
  address = "$NODE_SOCK.ttrpc"
[plugins."io.containerd.cri.v1.runtime"]
  enable_cdi = true
  cdi_spec_dirs = ["$NODE/cdi"]
  netns_mounts_under_state_dir = true
  # no OOM score below containerd's own (0): root on these machines lacks
  # CAP_SYS_RESOURCE, and runc fails to start a sandbox at containerd's default -998
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$NODE/containerd/runc"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$NODE/cni/net.d"
[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "$reg/pause:$PAUSE"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "$NODE/certs.d"
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
EOF
	# kubelet on cgroup v1 (this VM's hierarchy): the cgroupfs driver and failCgroupV1:
	# false (1.35 refuses cgroup v1 otherwise); its pods under a cgroup of its own
	echo "nameserver $DNS_IP" >"$NODE/resolv.conf"
	# CoreDNS: cluster.local from the API (its kubernetes plugin), on the node's address;
	# nothing forwarded (the lab reaches no outside resolver)
	cat >"$NODE/Corefile" <<EOF
.:53 {
    bind $NODE_IP
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $RUN/coredns.kubeconfig
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 5
}
EOF
	# syncFrequency 10 s (1 min by default): kubelet tries a pod's DRA preparation again
	# only at its next resync, and on this loaded machine its first try often fails
	# because the node authorizer has not yet seen the pod's claim ("no relationship
	# found between node ... and this object"); docs/lab.md
	cat >"$NODE/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
cgroupDriver: cgroupfs
failCgroupV1: false
cgroupRoot: /$NODE_CGROUP
containerRuntimeEndpoint: unix://$NODE_SOCK
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
resolvConf: $NODE/resolv.conf
podLogsDir: $NODE/pod-logs
podCIDR: $POD_CIDR
failSwapOn: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%}
syncFrequency: 10s
EOF
}

node_cgroups() { # ACTION: mk (create the node's cgroup root) or rm
	local roots h d
	# cgroup v1 (this VM): the root in every hierarchy; v2 alone (one unified hierarchy,
	# as on GitHub's runners): one directory, given its parent's controllers for the pods
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then roots=/sys/fs/cgroup/; else roots=$(ls -d /sys/fs/cgroup/*/); fi
	for h in $roots; do
		case $1 in
		mk)
			mkdir -p "$h$NODE_CGROUP"
			[ "$roots" = /sys/fs/cgroup/ ] || continue
			for d in $(cat "${h}cgroup.subtree_control"); do
				echo "+$d" >"$h$NODE_CGROUP/cgroup.subtree_control" 2>/dev/null || true
			done
			;;
		rm)
			[ -d "$h$NODE_CGROUP" ] || continue
			find "$h$NODE_CGROUP" -depth -type d -print 2>/dev/null | while read -r d; do rmdir "$d" 2>/dev/null || true; done
			;;
		esac
	done
}

push_image() { # OCI-LAYOUT:TAG NAME:TAG: copies an image into the lab's registry
	skopeo --insecure-policy copy --quiet --dest-tls-verify=false "oci:$1" \
		"docker://127.0.0.1:$REGISTRY_PORT/$2"
}

wait_for() { # WHAT SECONDS COMMAND...: until COMMAND succeeds
	local what=$1 limit=$2 t0
	shift 2
	t0=$(date +%s)
	until "$@" >/dev/null 2>&1; do
		[ $(($(date +%s) - t0)) -lt "$limit" ] || die "$what not ready after ${limit}s"
		sleep 0.5
	done
}

# node_up: after the control plane is ready (ports.env has APISERVER_PORT, REGISTRY_PORT)
node_up() {
	local limit=${LAB_READY_TIMEOUT:-180} t0
	t0=$(date +%s)
	[ -e "$NODE_NETNS" ] || node_net_up
	# the host reaches pods through the node: the apiserver's proxy to pods and Services
	# (kubectl proxy paths, kaic's reads through /proxy/); it goes with the veth
	ip route replace "$POD_CIDR" via "$NODE_IP" dev "$NODE_VETH"
	[ -f "$PKI/kubelet.crt" ] || node_pki
	node_config
	node_cgroups mk
	start registry serve "$RUN/registry.yml"
	start_forward
	wait_for "the registry" "$limit" curl -sf "http://127.0.0.1:$REGISTRY_PORT/v2/"
	push_image "$LAB_DIR/images/pause:$PAUSE" "pause:$PAUSE"
	# Sonobuoy's aggregator and worker (lab/build-sonobuoy.sh); older lab builds lack it
	if [ -f "$LAB_DIR/images/sonobuoy/index.json" ]; then
		push_image "$LAB_DIR/images/sonobuoy:$SONOBUOY" "sonobuoy:$SONOBUOY"
	fi
	if [ -f "$TOP/build/image/oci/index.json" ]; then
		push_image "$TOP/build/image/oci:kaic:$(cat "$TOP/VERSION")" "kaic:$(cat "$TOP/VERSION")"
		# kaic:VERSION, through docker.io (node_config)
		push_image "$TOP/build/image/oci:kaic:$(cat "$TOP/VERSION")" "library/kaic:$(cat "$TOP/VERSION")"
	fi
	start_in_node containerd --config "$NODE/containerd/config.toml"
	wait_for containerd "$limit" "$BIN/ctr" --address "$NODE_SOCK" version
	start_in_node kubelet --config "$NODE/kubelet/config.yaml" \
		--kubeconfig "$RUN/kubelet.kubeconfig" --root-dir "$NODE/kubelet" \
		--cert-dir "$NODE/kubelet/pki" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
		--node-labels "kaic.lab/real=true"
	start_in_node kube-proxy --kubeconfig "$RUN/kube-proxy.kubeconfig" \
		--hostname-override "$NODE_NAME" --proxy-mode iptables --cluster-cidr "$POD_CIDR" \
		--bind-address "$NODE_IP" --healthz-bind-address 127.0.0.1:10256 \
		--metrics-bind-address 127.0.0.1:10249 --conntrack-max-per-core 0 \
		--conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0
	node_objects
	start_in_node coredns -conf "$NODE/Corefile" -dns.port 53
	if [ "${LAB_NETPOL:-on}" != off ]; then echo on; else echo off; fi >"$NODE/netpol"
	[ -f "$NODE/profile" ] || echo "${LAB_PROFILE:-bare}" >"$NODE/profile"
	NODE_COMPONENTS="registry lab-forward containerd kubelet kube-proxy coredns"
	if netpol_on; then
		# kube-router's firewall alone (upstream's kube-router-firewall-daemonset.yaml args):
		# NetworkPolicies as iptables rules and ipsets in the node's namespace
		start_in_node kube-router --run-firewall=true --run-router=false --run-service-proxy=false \
			--kubeconfig "$RUN/kube-router.kubeconfig" --hostname-override "$NODE_NAME" \
			--enable-cni=false --health-port 20244 --metrics-port 0
		NODE_COMPONENTS="$NODE_COMPONENTS kube-router"
	fi
	if [ "$(lab_profile)" = ai ]; then
		node_ai_objects
		rm -f "$NODE/$DRA_PLUGIN.stopped" "$NODE/traefik.stopped" "$NODE/$AGENTD.stopped"
		dra_plugin_start
		traefik_start
	fi
	until kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True; do
		local c
		for c in $NODE_COMPONENTS; do
			alive "$c" || die "$c exited while starting; last lines of $RUN/$c.log:
$(tail -n 15 "$RUN/$c.log")"
		done
		[ $(($(date +%s) - t0)) -lt "$limit" ] || die "node $NODE_NAME not Ready after ${limit}s (see $RUN/kubelet.log)"
		sleep 1
	done
	echo "$(($(date +%s) - t0))" >"$NODE/ready-seconds"
	# kaic-agentd's pods need the Ready node
	if [ "$(lab_profile)" = ai ]; then agentd_start; fi
}

start_forward() {
	setsid python3 "$TOP/scripts/lab-forward.py" "$NODE_NETNS" "127.0.0.1:$APISERVER_PORT" \
		"127.0.0.1:$REGISTRY_PORT" "$NODE_IP:$APISERVER_PORT" \
		>"$RUN/lab-forward.log" 2>&1 </dev/null &
	echo $! >"$RUN/lab-forward.pid"
	echo python3 >"$RUN/lab-forward.exe"
}

# node_pods_gone: the node's pods and containers stopped and removed (through CRI, as
# kubelet would), so that no shim or container process outlives the lab
node_pods_gone() {
	[ -S "$NODE_SOCK" ] || return 0
	local ctr="$BIN/ctr --address $NODE_SOCK --namespace k8s.io" id pid
	for id in $($ctr tasks ls -q 2>/dev/null); do $ctr tasks kill -s KILL "$id" >/dev/null 2>&1 || true; done
	sleep 0.5
	for id in $($ctr tasks ls -q 2>/dev/null); do $ctr tasks delete -f "$id" >/dev/null 2>&1 || true; done
	for id in $($ctr containers ls -q 2>/dev/null); do $ctr containers delete "$id" >/dev/null 2>&1 || true; done
	# shims started by this containerd name its socket in their command line
	for pid in $(pgrep -f -- "-address $NODE_SOCK" 2>/dev/null || true); do
		[ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")" = containerd-shim-runc-v2 ] && kill -KILL "$pid" 2>/dev/null || true
	done
}

# node_unmount: every mount under $RUN (kubelet's volumes, containerd's snapshots and
# pod network namespaces, the node's namespace file), deepest first
node_unmount() {
	local m
	awk -v run="$RUN/" 'index($5, run) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
}

# node_down: stops the node's pods, processes and network; CLEAN=1 also removes its
# state (lab down), otherwise it is kept for a restart (lab reset)
node_down() {
	local clean=${1:-1} c i any
	for c in traefik $DRA_PLUGIN kube-router coredns kube-proxy kubelet; do if alive "$c"; then kill -TERM "$(pid_of "$c")" 2>/dev/null || true; fi; done
	node_pods_gone
	for c in containerd registry lab-forward; do if alive "$c"; then kill -TERM "$(pid_of "$c")" 2>/dev/null || true; fi; done
	for i in $(seq 1 50); do
		any=0
		for c in $NODE_COMPONENTS; do if alive "$c"; then any=1; fi; done
		[ $any = 0 ] && break
		sleep 0.2
	done
	for c in $NODE_COMPONENTS; do if alive "$c"; then kill -KILL "$(pid_of "$c")" 2>/dev/null || true; fi; done
	[ "$clean" = 1 ] || return 0
	node_unmount
	ip link del "$NODE_VETH" 2>/dev/null || true
	node_cgroups rm
	# containerd makes its shim socket directory /run/containerd/s (and ctr its fifo
	# directory): removed when empty
	rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null || true
}

# --- the ai profile ------------------------------------------------------------------

# node_ai_objects: the DRA driver's RBAC (upstream's ClusterRole, bound to its client
# certificate's user) and its DeviceClass gpu.example.com (upstream's deviceclass.yaml);
# the Gateway API's standard CRDs (lab/build.sh takes them from the sigs.k8s.io/gateway-api
# module Traefik is built against), Traefik's RBAC (upstream's kubernetes-gateway-rbac.yml)
# and the GatewayClass traefik of its controller
node_ai_objects() {
	# server-side: the CRDs are too large for kubectl's last-applied annotation
	kc apply --server-side --force-conflicts -f "$BIN/gateway-api-crds.yaml" >/dev/null
	kc wait --for condition=Established --timeout "${LAB_READY_TIMEOUT:-180}s" \
		crd/gatewayclasses.gateway.networking.k8s.io crd/gateways.gateway.networking.k8s.io \
		crd/httproutes.gateway.networking.k8s.io crd/grpcroutes.gateway.networking.k8s.io \
		crd/referencegrants.gateway.networking.k8s.io >/dev/null
	kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: "kaic-lab:dra-driver", labels: {kaic.lab/node: "true"}}
  rules:
  - {apiGroups: [resource.k8s.io], resources: [resourceclaims], verbs: [get]}
  - {apiGroups: [""], resources: [nodes], verbs: [get]}
  - {apiGroups: [resource.k8s.io], resources: [resourceslices], verbs: [get, list, watch, create, update, patch, delete]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: "kaic-lab:dra-driver", labels: {kaic.lab/node: "true"}}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "kaic-lab:dra-driver"}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "kaic-lab:dra-driver"}]
- apiVersion: resource.k8s.io/v1
  kind: DeviceClass
  metadata: {name: gpu.example.com, labels: {kaic.lab/node: "true"}}
  spec:
    selectors:
    - cel: {expression: "device.driver == 'gpu.example.com'"}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: "kaic-lab:traefik", labels: {kaic.lab/node: "true"}}
  rules:
  - {apiGroups: [""], resources: [namespaces], verbs: [list, watch]}
  - {apiGroups: [""], resources: [pods], verbs: [get]}
  - {apiGroups: [""], resources: [services, secrets, configmaps], verbs: [get, list, watch]}
  - {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
  - apiGroups: [gateway.networking.k8s.io]
    resources: [gatewayclasses, gateways, httproutes, grpcroutes, tcproutes, tlsroutes, referencegrants, backendtlspolicies]
    verbs: [get, list, watch]
  - apiGroups: [gateway.networking.k8s.io]
    resources: [gatewayclasses/status, gateways/status, httproutes/status, grpcroutes/status, tcproutes/status, tlsroutes/status, referencegrants/status, backendtlspolicies/status]
    verbs: [update]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: "kaic-lab:traefik", labels: {kaic.lab/node: "true"}}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "kaic-lab:traefik"}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "kaic-lab:traefik"}]
- apiVersion: gateway.networking.k8s.io/v1
  kind: GatewayClass
  metadata: {name: traefik, labels: {kaic.lab/node: "true"}}
  spec:
    controllerName: traefik.io/gateway-controller
EOF
}

# dra_plugin_start: the example driver's kubelet plugin as a host process (upstream runs
# it as a DaemonSet with these host paths): it registers with the node's kubelet through
# the kubelet's plugin directories, publishes LAB_DRA_DEVICES devices (default 4) in a
# ResourceSlice, and writes a CDI spec per prepared claim where containerd reads them
dra_plugin_start() {
	mkdir -p "$NODE/kubelet/plugins_registry" "$NODE/kubelet/plugins"
	start "$DRA_PLUGIN" --node-name "$NODE_NAME" --kubeconfig "$RUN/dra-driver.kubeconfig" \
		--cdi-root "$NODE/cdi" --num-devices "${LAB_DRA_DEVICES:-4}" \
		--kubelet-registrar-directory-path "$NODE/kubelet/plugins_registry" \
		--kubelet-plugins-directory-path "$NODE/kubelet/plugins"
	NODE_COMPONENTS="$NODE_COMPONENTS $DRA_PLUGIN"
	# ready when its ResourceSlice for the node is published
	wait_for "the DRA driver's ResourceSlice" "${LAB_READY_TIMEOUT:-180}" dra_published
}

dra_published() {
	kc get resourceslices -o jsonpath='{range .items[*]}{.spec.driver}/{.spec.nodeName}{"\n"}{end}' |
		grep -qx "gpu.example.com/$NODE_NAME"
}

# traefik_start: Traefik's Gateway API provider (kubernetesgateway) in the node's network
# namespace: its client certificate's kubeconfig (Traefik reads KUBECONFIG), the entryPoint
# web on the node's address port 80 (Traefik gives a Gateway listener the entryPoint whose
# address ends in the listener's port), the Gateways' status address the node's IP, so
# that pods on the node reach it; ping on the node's 127.0.0.1:8082. Ready when it
# answers ping and the GatewayClass traefik is Accepted.
TRAEFIK_PING=127.0.0.1:8082
traefik_start() {
	[ -f "$PKI/traefik.crt" ] || {
		sign traefik ca "/CN=kaic-lab:traefik" 'basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'
		chmod 600 "$PKI/traefik.key"
		kubeconfig "$RUN/traefik.kubeconfig" traefik
	}
	KUBECONFIG=$RUN/traefik.kubeconfig start_in_node traefik \
		--global.checkNewVersion=false --global.sendAnonymousUsage=false --log.level=INFO --log.noColor=true \
		--entryPoints.web.address="$NODE_IP:80" \
		--entryPoints.ping.address="$TRAEFIK_PING" --ping=true --ping.entryPoint=ping \
		--providers.kubernetesgateway=true --providers.kubernetesgateway.statusAddress.ip="$NODE_IP"
	NODE_COMPONENTS="$NODE_COMPONENTS traefik"
	wait_for "Traefik's ping" "${LAB_READY_TIMEOUT:-180}" in_node curl -sf "http://$TRAEFIK_PING/ping"
	wait_for "the GatewayClass traefik (Accepted)" "${LAB_READY_TIMEOUT:-180}" gatewayclass_accepted
}

gatewayclass_accepted() {
	kc get gatewayclass traefik -o jsonpath='{.status.conditions[?(@.type=="Accepted")].status}' | grep -qx True
}

# agentd_start: kaic-agentd, the AgentTool reference controller, as deploy/agentd/ and
# deploy/crds/agenttool.yaml install it (only the image changed: kaic's, from the lab's
# registry, by digest, so that the node never runs an older build under the same tag).
# Ready when its two replicas are available.
agentd_start() {
	local tag img m
	tag="127.0.0.1:$REGISTRY_PORT/kaic:$(cat "$TOP/VERSION")"
	img="$tag@$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$tag")" ||
		die "cannot read $tag from the lab's registry"
	kc apply -f "$TOP/deploy/crds/agenttool.yaml" >/dev/null
	kc wait --for condition=Established --timeout "${LAB_READY_TIMEOUT:-180}s" crd/agenttools.agents.kaic.io >/dev/null
	for m in namespace rbac service deployment; do
		echo ---
		sed "s|image: kaic:.*|image: $img|" "$TOP/deploy/agentd/$m.yaml"
	done | kc apply -f - >/dev/null
	agentd_scale 2
}

agentd_scale() { # REPLICAS: and wait until they are available (or gone)
	kc -n kaic-system scale deployment/$AGENTD --replicas="$1" >/dev/null
	if [ "$1" -gt 0 ]; then
		kc -n kaic-system rollout status deployment/$AGENTD --timeout="${LAB_READY_TIMEOUT:-180}s" >/dev/null ||
			die "$AGENTD is not available: $(kc -n kaic-system get pods -o wide 2>&1 | tail -n 3)"
	else
		kc -n kaic-system wait --for=delete pod -l app.kubernetes.io/name=$AGENTD \
			--timeout="${LAB_READY_TIMEOUT:-180}s" >/dev/null 2>&1 || true
	fi
}

# lab stop|start COMPONENT: a test switches one of the ai profile's components (the DRA
# plugin, Traefik, kaic-agentd) off and on; a stopped one ($NODE/COMPONENT.stopped) is
# left out of status and down. kaic-agentd stops by scaling to 0 (its CRD stays).
component_stop() {
	local c=$1 i
	case " $AI_COMPONENTS " in *" $c "*) ;; *) die "only $AI_COMPONENTS can be stopped and started" ;; esac
	[ "$(lab_profile)" = ai ] && [ ! -f "$NODE/$c.stopped" ] || die "$c is not running (lab status)"
	if [ "$c" = "$AGENTD" ]; then
		agentd_scale 0
		touch "$NODE/$c.stopped"
		echo "lab: $c stopped"
		return
	fi
	if alive "$c"; then kill -TERM "$(pid_of "$c")" 2>/dev/null || true; fi
	for i in $(seq 1 50); do alive "$c" || break; sleep 0.2; done
	if alive "$c"; then kill -KILL "$(pid_of "$c")" 2>/dev/null || true; fi
	touch "$NODE/$c.stopped"
	echo "lab: $c stopped"
}

component_start() {
	local c=$1
	case " $AI_COMPONENTS " in *" $c "*) ;; *) c= ;; esac
	[ -n "$c" ] && [ "$(lab_profile)" = ai ] || die "only $AI_COMPONENTS of the ai profile can be started"
	[ -f "$NODE/$c.stopped" ] || die "$c is not stopped"
	rm -f "$NODE/$c.stopped"
	. "$RUN/ports.env"
	case $c in
	"$DRA_PLUGIN") dra_plugin_start ;;
	traefik) traefik_start ;;
	"$AGENTD") agentd_scale 2 ;;
	esac
	echo "lab: $c started"
}
