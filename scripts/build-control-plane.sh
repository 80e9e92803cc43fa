#!/usr/bin/env bash
# Builds the real control plane the test tier runs (kube-apiserver, kube-controller-manager, kubectl from
# k8s.io/kubernetes; etcd from go.etcd.io/etcd/server/v3) from the Go module in src/test/controlplane, once,
# and caches it. The layout is the one io.fabric8:kube-api-test reads in offline mode:
#   $TURNOUT_CONTROL_PLANE_DIR/k8s/<version>-linux-amd64/{etcd,kube-apiserver,kube-controller-manager,kubectl}
# A stamp holding the hash of go.mod, go.sum and this script says whether the cached build is current.
# Prints the binaries' directory on its last line. Fails (never skips) when Go is missing or the build fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODULE="$ROOT/src/test/controlplane"
K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ {sub(/^v/, "", $2); print $2; exit}' "$MODULE/go.mod")"
ETCD_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v/ {print $2; exit}' "$MODULE/go.mod")"
BASE="${TURNOUT_CONTROL_PLANE_DIR:-$HOME/.cache/turnout/control-plane}"
OUT="$BASE/k8s/$K8S_VERSION-linux-amd64"
STAMP="$OUT/.built-from"

if ! command -v go >/dev/null 2>&1; then
  echo "build-control-plane: Go is required to build the real control plane (see docs/testing.md)" >&2
  exit 1
fi

want="$(cat "$MODULE/go.mod" "$MODULE/go.sum" "$0" | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
   && [ -x "$OUT/etcd" ] && [ -x "$OUT/kube-apiserver" ] && [ -x "$OUT/kube-controller-manager" ] && [ -x "$OUT/kubectl" ]; then
  echo "build-control-plane: Kubernetes $K8S_VERSION and etcd $ETCD_VERSION already built" >&2
  echo "$OUT"
  exit 0
fi

echo "build-control-plane: building Kubernetes $K8S_VERSION (kube-apiserver, kube-controller-manager, kubectl)" \
     "and etcd $ETCD_VERSION from Go modules into $OUT; the first build takes several minutes" >&2
mkdir -p "$OUT"
rm -f "$STAMP"
cd "$MODULE"
minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
# The version stamps Kubernetes' own build sets (hack/lib/version.sh): without them the binaries report
# v0.0.0-master, and the API server's emulation/compatibility version checks misbehave.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags="$ldflags -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
export CGO_ENABLED=0
start=$(date +%s)
go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$OUT/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl
echo "build-control-plane: Kubernetes binaries built in $(( $(date +%s) - start )) s" >&2
go build -mod=readonly -trimpath -ldflags "-s -w" -o "$OUT/etcd" go.etcd.io/etcd/server/v3
echo "$want" > "$STAMP"
echo "build-control-plane: done in $(( $(date +%s) - start )) s" >&2
echo "$OUT"
