# Starts the node's daemons inside the p5node network namespace: etcd, containerd, the control
# plane, kubelet, kube-proxy, and the 127.0.0.1 forwarder of the API. Sourced by cluster/up.sh.

ensure_netns() {
  if [ ! -e "$NETNS_PATH" ]; then
    ip netns add "$NETNS"
  fi
  in_node ip link set lo up
  in_node ip -4 addr show dev lo | grep -q " $NODE_IP/" || in_node ip addr add "$NODE_IP/32" dev lo
  # Node-local clients (the API server calling Dapr's injector webhook) reach ClusterIPs.
  in_node ip route replace "$SERVICE_CIDR" dev lo src "$NODE_IP"
  # Forwarding and bridge filtering are per namespace: the host's settings stay as they are.
  in_node sysctl -qw net.ipv4.ip_forward=1
  in_node sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
}

write_configs() {
  mkdir -p "$CSTATE/cni/net.d" "$CSTATE/cni/networks" "$CSTATE/containerd" "$CRUN/containerd"
  # Pods on one bridge inside the namespace; nothing is masqueraded because nothing leaves it.
  cat >"$CSTATE/cni/net.d/10-p5.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "p5",
  "plugins": [
    {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$CSTATE/cni/networks",
              "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
  # restrict_oom_score_adj: this VM lacks CAP_SYS_RESOURCE; without it every sandbox fails
  # with "can't get final child's PID from pipe".
  cat >"$CSTATE/containerd/config.toml" <<TOML
version = 2
root = "$CSTATE/containerd/root"
state = "$CRUN/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CRUN/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/phase5/pause:$K8S_VERSION"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$CLUSTER_BIN/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CLUSTER_BIN/cni"
    conf_dir = "$CSTATE/cni/net.d"
TOML
  cat >"$CSTATE/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This host still runs cgroup v1.
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
address: $NODE_IP
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
clusterDomain: cluster.local
clusterDNS: [$DNS_SERVICE_IP]
# Pods resolve only cluster names: CoreDNS has no upstream, and no host resolv.conf leaks in.
resolvConf: ""
failSwapOn: false
serializeImagePulls: false
imageGCHighThresholdPercent: 95
imageGCLowThresholdPercent: 90
evictionHard: {memory.available: "200Mi", nodefs.available: "5%", imagefs.available: "5%"}
maxPods: 60
YAML
  cat >"$CSTATE/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: $CLUSTER_CIDR
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clientConnection: {kubeconfig: $CSTATE/kubeconfig-kube-proxy}
# Leave the machine-wide conntrack sysctls alone (they are not per namespace).
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
}

start_etcd() {
  start_node_proc etcd "$CLUSTER_BIN/etcd" --name "$NODE_NAME" --data-dir "$CSTATE/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster "$NODE_NAME=http://127.0.0.1:2380" --listen-metrics-urls http://127.0.0.1:2381 \
    --quota-backend-bytes 2147483648 --snapshot-count 10000 --log-level warn
  wait_for etcd 30 in_node curl -fsS http://127.0.0.1:2379/health
}

start_containerd() {
  start_node_proc containerd "$CLUSTER_BIN/containerd" --config "$CSTATE/containerd/config.toml"
  wait_for containerd 30 "$CLUSTER_BIN/ctr" -a "$CONTAINERD_SOCK" version
}

start_control_plane() {
  start_node_proc kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers http://127.0.0.1:2379 --secure-port 6443 --bind-address "$NODE_IP" \
    --advertise-address "$NODE_IP" --service-cluster-ip-range "$SERVICE_CIDR" \
    --tls-cert-file "$PKI/kube-apiserver.crt" --tls-private-key-file "$PKI/kube-apiserver.key" \
    --client-ca-file "$PKI/ca.crt" --kubelet-certificate-authority "$PKI/ca.crt" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=false --profiling=false --event-ttl 30m
  # The host's forwarder: 127.0.0.1:$API_HOST_PORT -> Unix socket -> $NODE_IP:6443 in the node.
  node_running api-forward-node || rm -f "$CRUN/apiserver.sock"
  start_node_proc api-forward-node socat "UNIX-LISTEN:$CRUN/apiserver.sock,fork,mode=600" "TCP:$NODE_IP:6443"
  start_host_proc api-forward-host socat "TCP-LISTEN:$API_HOST_PORT,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$CRUN/apiserver.sock"
  wait_for kube-apiserver 120 curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$API_HOST_PORT/readyz"
  start_node_proc kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig "$CSTATE/kubeconfig-kube-controller-manager" \
    --authentication-kubeconfig "$CSTATE/kubeconfig-kube-controller-manager" \
    --authorization-kubeconfig "$CSTATE/kubeconfig-kube-controller-manager" \
    --bind-address 127.0.0.1 --cluster-name p5 --leader-elect=false \
    --allocate-node-cidrs --cluster-cidr "$CLUSTER_CIDR" --node-cidr-mask-size 24 \
    --service-cluster-ip-range "$SERVICE_CIDR" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-account-private-key-file "$PKI/sa.key" --use-service-account-credentials \
    --profiling=false
  start_node_proc kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig "$CSTATE/kubeconfig-kube-scheduler" \
    --authentication-kubeconfig "$CSTATE/kubeconfig-kube-scheduler" \
    --authorization-kubeconfig "$CSTATE/kubeconfig-kube-scheduler" \
    --bind-address 127.0.0.1 --leader-elect=false --profiling=false
}

start_kubelet() {
  start_node_proc kubelet "$K8S_BIN/kubelet" --config "$CSTATE/kubelet.yaml" \
    --kubeconfig "$CSTATE/kubeconfig-kubelet" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
    --root-dir /var/lib/kubelet
  start_node_proc kube-proxy "$K8S_BIN/kube-proxy" --config "$CSTATE/kube-proxy.yaml"
}

node_ready() {
  [ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# Static local volumes: directories under $CSTATE/volumes, one PersistentVolume each, bound
# to the first claim that fits. They survive pod restarts and `dev-down.sh --k8s`.
PV_COUNT=8 PV_SIZE=20Gi
ensure_volumes() {
  kc apply -f "$P5_ROOT/cluster/addons/storage.yaml" >/dev/null
  local i manifest=""
  for ((i = 1; i <= PV_COUNT; i++)); do
    # World-writable like a fresh disk: each pod's non-root uid (fsGroup) makes its own dirs.
    mkdir -p "$CSTATE/volumes/pv-$i" && chmod 1777 "$CSTATE/volumes/pv-$i"
    manifest+="---
apiVersion: v1
kind: PersistentVolume
metadata: {name: p5-pv-$i}
spec:
  capacity: {storage: $PV_SIZE}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local
  local: {path: $CSTATE/volumes/pv-$i}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$NODE_NAME]}]
"
  done
  # Existing volumes keep their claim (apply never touches claimRef).
  kc apply -f - <<<"$manifest" >/dev/null
}

# NetworkPolicy enforcement: kube-router v2.1.0 in firewall-only mode (no routing, no service
# proxy; kube-proxy keeps services). Local cluster only: AKS enforces policies itself.
start_kube_router() {
  start_node_proc kube-router "$CLUSTER_BIN/kube-router" --run-firewall=true --run-router=false \
    --run-service-proxy=false --run-loadbalancer=false --enable-cni=false --enable-ipv6=false \
    --kubeconfig "$CSTATE/kubeconfig-kube-router" --hostname-override "$NODE_NAME" \
    --health-port 0 --metrics-port 0 --iptables-sync-period 1m
}
