#!/bin/sh
# Installs the tools the tests need, only when they are missing (idempotent; `make test` and so CI call it first).
#   prometheus, promtool: PrometheusCheckTest starts its own instance on 127.0.0.1 (a random port, a temp TSDB);
#                         PrometheusRuleTest and DashboardTest run promtool (same Debian package)
#   go:                   builds the real control plane (scripts/build-control-plane.sh)
#   unshare, ip:          the real tier's network namespace (scripts/netns/bin/java)
# A tool that cannot be installed fails the run: the tests that need it would otherwise not run.
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

has() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/bin/$1" ] || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]
}

missing=""
{ has prometheus && has promtool; } || missing="$missing prometheus"
has unshare || missing="$missing util-linux"
has ip || missing="$missing iproute2"
has go || missing="$missing golang-go"

if [ -z "$missing" ]; then
  echo "install-test-tools: nothing to install"
else
  echo "install-test-tools: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  if ! { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends $missing; }; then
    echo "install-test-tools: could not install$missing; the suite needs it (see docs/testing.md)" >&2
    exit 1
  fi
fi

# The control plane module needs Go >= 1.24 (its go.mod): the project's machines come with it; where only an
# older Debian golang-go is found, scripts/build-control-plane.sh fails and says so.
# the same namespace scripts/netns/bin/java makes: a network namespace as root, a user and network namespace otherwise
if [ "$(id -u)" -eq 0 ]; then ns_flags="-n"; else ns_flags="-rn"; fi
if ! unshare $ns_flags --pid --fork --mount-proc true 2>/dev/null; then
  echo "install-test-tools: 'unshare $ns_flags' is not permitted here; the real tier needs a network namespace" \
       "(root with CAP_SYS_ADMIN, or unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1)" >&2
  exit 1
fi
