#!/usr/bin/env bash
# Builds or unpacks everything the local one-node Kubernetes cluster needs, from the package
# registries only: Kubernetes (Go module proxy), etcd/containerd/runc/CNI plugins (Debian
# .debs unpacked into the cache, never installed), CoreDNS and kube-router (proxy), the pause
# binary (C file of the Kubernetes module). Idempotent: every piece is stamped with its version
# under ~/.cache/phase5 and never rebuilt.
#   install-cluster.sh            everything
#   install-cluster.sh PIECE...   only tools | debs | kubernetes | pause | crictl | coredns | kube-router | dapr-images
source "$(dirname "$0")/lib/common.sh"
source "$P5_ROOT/cluster/versions.sh"

command -v go >/dev/null || die "go is not installed; install Go 1.26+ and run again"
mkdir -p "$CACHE/build" "$K8S_BIN" "$CLUSTER_BIN"

stamped() { [ -x "$1" ] && [ "$(cat "$1.version" 2>/dev/null)" = "$2" ]; }
stamp() { echo "$2" >"$1.version"; }

# Copies a module out of the read-only module cache into a writable build directory.
module_copy() {
  local mod=$1 version=$2 dest=$3 dir
  [ -d "$dest" ] && return 0
  dir=$(cd "$CACHE/build" && go mod download -json "$mod@v$version" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$dest.tmp"
  cp -r "$dir" "$dest.tmp" && chmod -R u+w "$dest.tmp" && mv "$dest.tmp" "$dest"
}

# The module zip of k8s.io/kubernetes lacks staging/ (nested modules are cut out of zips),
# so every `replace k8s.io/X => ./staging/...` becomes a require of the published k8s.io/X.
prepare_kubernetes() {
  local src=$1
  [ -f "$src/.p5-prepared" ] && return 0
  rm -rf "$src"
  module_copy k8s.io/kubernetes "$K8S_VERSION" "$src"
  rm -f "$src"/go.work "$src"/go.work.sum
  local edits
  edits=$(cd "$src" && go mod edit -json | python3 -c '
import json, sys
mod = json.load(sys.stdin)
for r in mod.get("Replace") or []:
    old, new = r["Old"]["Path"], r["New"]["Path"]
    if not (old.startswith("k8s.io/") and new.startswith("./staging/")):
        continue
    if old in ("k8s.io/sample-cli-plugin", "k8s.io/sample-controller"):
        print(f"-dropreplace={old} -droprequire={old}")
    else:
        print(f"-dropreplace={old} -require={old}@v'"$K8S_STAGING_VERSION"'")
')
  # shellcheck disable=SC2086
  (cd "$src" && go mod edit $edits)
  touch "$src/.p5-prepared"
}

build_kubernetes() {
  local src="$CACHE/build/kubernetes-$K8S_VERSION" cmd t0 need=0
  for cmd in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    stamped "$K8S_BIN/$cmd" "$K8S_VERSION" || need=1
  done
  [ $need = 1 ] || return 0
  prepare_kubernetes "$src"
  for cmd in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    stamped "$K8S_BIN/$cmd" "$K8S_VERSION" && continue
    log "building $cmd v$K8S_VERSION (cold: kube-apiserver ~10 min, the rest minutes)"
    t0=$SECONDS
    (cd "$src" && GOWORK=off CGO_ENABLED=0 nice go build -trimpath \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(cut -d. -f2 <<<"$K8S_VERSION")" \
      -o "$K8S_BIN/$cmd.new" "./cmd/$cmd")
    mv "$K8S_BIN/$cmd.new" "$K8S_BIN/$cmd"
    stamp "$K8S_BIN/$cmd" "$K8S_VERSION"
    log "built $cmd in $((SECONDS - t0)) s"
  done
}

# Host tools the cluster scripts call (the runtimes themselves come unpacked, below).
install_tools() {
  local missing=() t
  declare -A pkg=([socat]=socat [iptables]=iptables [ipset]=ipset [conntrack]=conntrack
    [mmdebstrap]=mmdebstrap [umoci]=umoci [skopeo]=skopeo [nsenter]=util-linux [gcc]=gcc)
  for t in "${!pkg[@]}"; do command -v "$t" >/dev/null || missing+=("${pkg[$t]}"); done
  [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || missing+=(libc6-dev)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and apt-get is not available"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  log "installing from Debian: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian's etcd, containerd, runc and CNI plugins are downloaded and unpacked into the cache
# (keyed by package version), never installed: nothing starts them as host services.
unpack_debs() {
  local pkg ver dir
  mkdir -p "$DEB_ROOT"
  for pkg in $DEB_PACKAGES; do
    ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
    [ -n "$ver" ] && [ "$ver" != "(none)" ] || die "apt knows no $pkg; run apt-get update"
    dir="$DEB_ROOT/${pkg}_${ver//:/_}"
    if [ ! -f "$dir/.p5-unpacked" ]; then
      log "unpacking Debian $pkg $ver"
      rm -rf "$dir" && mkdir -p "$dir/deb"
      (cd "$dir/deb" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" "$pkg=$ver" >/dev/null)
      dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
      rm -rf "$dir/deb"
      touch "$dir/.p5-unpacked"
    fi
    ln -sfn "$dir/root" "$DEB_ROOT/$pkg"
  done
  # One bin directory for the node's daemons; containerd's own shim must win over any other.
  local r=$DEB_ROOT
  ln -sf "$r/etcd-server/usr/bin/etcd" "$CLUSTER_BIN/etcd"
  for b in containerd containerd-shim-runc-v2 ctr; do ln -sf "$r/containerd/usr/bin/$b" "$CLUSTER_BIN/$b"; done
  ln -sf "$r/runc/usr/sbin/runc" "$CLUSTER_BIN/runc"
  ln -sfn "$r/containernetworking-plugins/usr/lib/cni" "$CLUSTER_BIN/cni"
}

# The pod sandbox ("pause") image holds one static binary compiled from the C file that
# ships in the Kubernetes module.
build_pause() {
  local out="$CLUSTER_BIN/pause"
  stamped "$out" "$K8S_VERSION" && return 0
  local dir
  dir=$(cd "$CACHE/build" && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  gcc -Os -static -DVERSION="v$K8S_VERSION-p5" -o "$out.new" "$dir/build/pause/linux/pause.c"
  strip "$out.new" && mv "$out.new" "$out"
  stamp "$out" "$K8S_VERSION"
}

# `go install mod@version` builds a module's command with its own go.mod, cached by version.
go_install() {
  local name=$1 pkg=$2 version=$3 ldflags=${4:-"-s -w"} t0=$SECONDS
  stamped "$CLUSTER_BIN/$name" "$version" && return 0
  log "building $name v$version"
  GOBIN="$CACHE/build/gobin-$name-$version" CGO_ENABLED=0 nice go install -trimpath \
    -ldflags "$ldflags" "$pkg@v$version"
  mv "$CACHE/build/gobin-$name-$version/$name" "$CLUSTER_BIN/$name"
  rm -rf "$CACHE/build/gobin-$name-$version"
  stamp "$CLUSTER_BIN/$name" "$version"
  log "built $name in $((SECONDS - t0)) s"
}

# The Dapr control-plane image holds operator, placement, sentry, injector and scheduler,
# built from the same module copy and with the same ldflags as scripts/install-dapr.sh
# (which builds placement, scheduler and daprd; this adds the three the process stack lacks).
build_dapr_images() {
  local src="$CACHE/build/dapr-$DAPR_VERSION" out="$CACHE/dapr-images-$DAPR_VERSION" cmd t0
  [ -f "$src/.p5-patched" ] || bash "$P5_ROOT/scripts/install-dapr.sh"
  mkdir -p "$out"
  local ldflags="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION"
  for cmd in operator sentry injector; do
    stamped "$out/$cmd" "$DAPR_VERSION" && continue
    log "building dapr $cmd v$DAPR_VERSION"
    t0=$SECONDS
    (cd "$src" && nice go build -trimpath -ldflags "$ldflags" -o "$out/$cmd.new" "./cmd/$cmd")
    mv "$out/$cmd.new" "$out/$cmd"
    stamp "$out/$cmd" "$DAPR_VERSION"
    log "built dapr $cmd in $((SECONDS - t0)) s"
  done
  for cmd in placement scheduler; do
    [ -x "$BIN/$cmd" ] || bash "$P5_ROOT/scripts/install-dapr.sh"
    cp -f "$BIN/$cmd" "$out/$cmd"
  done
}

pieces=("$@")
[ ${#pieces[@]} -gt 0 ] || pieces=(tools debs kubernetes pause crictl coredns kube-router dapr-images)
t0=$SECONDS
for p in "${pieces[@]}"; do
  case "$p" in
    tools) install_tools ;;
    debs) unpack_debs ;;
    kubernetes) build_kubernetes ;;
    pause) build_pause ;;
    dapr-images) build_dapr_images ;;
    crictl) go_install crictl sigs.k8s.io/cri-tools/cmd/crictl "$CRICTL_VERSION" \
      "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=v$CRICTL_VERSION" ;;
    coredns) go_install coredns github.com/coredns/coredns "$COREDNS_VERSION" ;;
    kube-router) go_install kube-router github.com/cloudnativelabs/kube-router/v2/cmd/kube-router "$KUBE_ROUTER_VERSION" \
      "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=v$KUBE_ROUTER_VERSION" ;;
    *) die "unknown piece $p" ;;
  esac
done
log "cluster install complete in $((SECONDS - t0)) s (cache: $CACHE)"
