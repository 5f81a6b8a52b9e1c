#!/usr/bin/env bash
# Prints the directory holding the `prometheus` and `promtool` binaries, installing Debian's
# `prometheus` package when they are missing. Used by PrometheusDashboardIT (no network at test
# run time otherwise: this is the test set-up, like Maven resolving its jars).
#
#   1. already on PATH                      -> that directory
#   2. root (or sudo without a password)    -> apt-get install -y prometheus (apt-get update first
#                                              when the package is unknown)
#   3. otherwise                            -> apt-get download prometheus, dpkg-deb -x into
#                                              $1/root (default e2e-tests/target/prometheus), no root needed
# Exits non-zero with a reason on stderr when none of this works.
set -euo pipefail

target="${1:-$(cd "$(dirname "$0")/.." && pwd)/target/prometheus}"

found() { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; }

if found; then
  dirname "$(command -v prometheus)"
  exit 0
fi
unpacked="$target/root"
if [ -x "$unpacked/usr/bin/prometheus" ] && [ -x "$unpacked/usr/bin/promtool" ]; then
  echo "$unpacked/usr/bin"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-prometheus: prometheus is not installed and there is no apt-get here; install Prometheus 2.x" \
       "(prometheus and promtool on PATH) and run again" >&2
  exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    as_root=()
  fi
fi

known() { apt-cache show prometheus >/dev/null 2>&1; }

if [ "$(id -u)" -eq 0 ] || [ ${#as_root[@]} -gt 0 ]; then
  known || "${as_root[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends prometheus >&2
  # The package's post-install may start a system Prometheus on :9090 where an init system runs;
  # the test starts its own on a free port and never talks to that one.
  if found; then
    dirname "$(command -v prometheus)"
    exit 0
  fi
  echo "ensure-prometheus: apt-get install prometheus finished but prometheus/promtool are not on PATH" >&2
  exit 1
fi

# No root: fetch the .deb into the build directory and unpack it there.
if ! known; then
  echo "ensure-prometheus: the package index has no 'prometheus' and updating it needs root;" \
       "run 'apt-get update' as root (or install prometheus) and run again" >&2
  exit 1
fi
mkdir -p "$target" "$unpacked"
( cd "$target" && apt-get download prometheus >&2 )
deb="$(ls -t "$target"/prometheus_*.deb | head -n 1)"
dpkg-deb -x "$deb" "$unpacked"
if [ -x "$unpacked/usr/bin/prometheus" ] && [ -x "$unpacked/usr/bin/promtool" ]; then
  echo "$unpacked/usr/bin"
  exit 0
fi
echo "ensure-prometheus: $deb did not contain usr/bin/prometheus and usr/bin/promtool" >&2
exit 1
