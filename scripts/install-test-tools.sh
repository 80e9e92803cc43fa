#!/bin/sh
# Installs the tools the tests use, only when they are missing (idempotent; CI calls it before `mvn test`).
#   prometheus: PrometheusCheckTest starts its own instance on 127.0.0.1 (a random port, a temp TSDB); without it
#               that test is skipped. A prometheus service the package may start is not used by the tests.
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

missing=""
command -v prometheus >/dev/null 2>&1 || [ -x /usr/bin/prometheus ] || missing="$missing prometheus"

if [ -z "$missing" ]; then
  echo "install-test-tools: nothing to install"
  exit 0
fi

echo "install-test-tools: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# A machine without Debian's archive still runs the suite: the tests that need these tools are skipped
# with a message saying so, and nothing else depends on them.
# shellcheck disable=SC2086
if ! { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends $missing; }; then
  echo "install-test-tools: could not install$missing; the tests that need it will be skipped" >&2
fi
exit 0
