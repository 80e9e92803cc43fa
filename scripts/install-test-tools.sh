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
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
