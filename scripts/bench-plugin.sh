#!/usr/bin/env bash
# make bench: start-up time of the kubectl plugin as users run it (`kubectl turnout ...` found on PATH by kubectl's
# plugin discovery), without a cluster: the plugin's own cost before its one API call. Prints figures, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
kubectl_bin="${KUBECTL_BIN:-$(ls -d "${TURNOUT_CONTROL_PLANE_DIR:-$HOME/.cache/turnout/control-plane}"/k8s/*/ 2>/dev/null | tail -1)kubectl}"
[[ -x "$kubectl_bin" ]] || kubectl_bin="$(command -v kubectl)" || { echo "bench-plugin: no kubectl (make controlplane)" >&2; exit 1; }
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
install -m 0755 plugin/kubectl-turnout "$bin/"
runs=20
for cmd in version help; do
  times=()
  for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    PATH="$bin:$(dirname "$kubectl_bin"):/usr/bin:/bin" "$kubectl_bin" turnout "$cmd" >/dev/null
    times+=($(( ($(date +%s%N) - start) / 1000000 )))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  echo "kubectl turnout $cmd: p50 ${sorted[$((runs / 2))]} ms, max ${sorted[$((runs - 1))]} ms over $runs runs (target: under 1500 ms)"
done
