#!/usr/bin/env bash
# Builds helm (helm.sh/helm/v3) from the Go module proxy into $BIN/helm. Idempotent: a
# binary stamped with the pinned version is never rebuilt. No GitHub release download:
# releases are not reachable here, the proxy is.
source "$(dirname "$0")/lib/common.sh"

command -v go >/dev/null || die "go is not installed; install Go 1.26+ and run again"
mkdir -p "$BIN"

# The stamp names the Kubernetes version helm assumes without a cluster (helm template's
# .Capabilities.KubeVersion): v1.37, the client-go minor it is built with, as its Makefile sets.
stamp="$HELM_VERSION-k8s1.37"
if [ -x "$BIN/helm" ] && [ "$(cat "$BIN/.helm.version" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
log "building helm v$HELM_VERSION from the Go module proxy (cold build takes minutes)"
t0=$SECONDS
tmp=$(mktemp -d "$CACHE/helm-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# An exact version needs no version list from the proxy. The -X flags are those of helm's
# Makefile: the true version (v3.x-dev otherwise) and Kubernetes 1.37 as the default
# KubeVersion (v1.20 otherwise, which makes `helm template` refuse charts needing more).
pkg=helm.sh/helm/v3
GOBIN="$tmp" CGO_ENABLED=0 nice go install -trimpath \
  -ldflags "-s -w -X $pkg/internal/version.version=v$HELM_VERSION \
    -X $pkg/pkg/lint/rules.k8sVersionMajor=1 -X $pkg/pkg/lint/rules.k8sVersionMinor=37 \
    -X $pkg/pkg/chartutil.k8sVersionMajor=1 -X $pkg/pkg/chartutil.k8sVersionMinor=37" \
  "$pkg/cmd/helm@v$HELM_VERSION"
mv "$tmp/helm" "$BIN/helm"
echo "$stamp" >"$BIN/.helm.version"
log "built helm v$HELM_VERSION in $((SECONDS - t0)) s"
