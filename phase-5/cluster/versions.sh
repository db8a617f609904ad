# Pinned versions and cache paths of the local Kubernetes cluster. Sourced after
# scripts/lib/common.sh; every built or unpacked piece lives under $CACHE keyed by version.
export K8S_VERSION="1.37.2"
# The Kubernetes staging modules (k8s.io/api, ...) are published as v0.<minor>.<patch>.
export K8S_STAGING_VERSION="0.37.2"
export COREDNS_VERSION="1.14.7"
# The only kube-router the proxy serves; firewall-only mode, local cluster only.
export KUBE_ROUTER_VERSION="2.1.0"
# Debian bookworm packages unpacked (never installed) into the cache.
export DEB_PACKAGES="etcd-server containerd runc containernetworking-plugins"

export K8S_BIN="$CACHE/k8s-$K8S_VERSION/bin"
export DEB_ROOT="$CACHE/debs"
export CLUSTER_BIN="$CACHE/cluster-bin"
# crictl stops and removes pod sandboxes through CRI (so CNI releases their addresses).
export CRICTL_VERSION="1.37.0"
