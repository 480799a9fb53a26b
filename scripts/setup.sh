#!/usr/bin/env bash
# Set up everything the project needs on a Debian/Ubuntu machine, idempotently:
# the MariaDB and Redis server binaries (apt), then a virtualenv in .venv with the pinned
# dependencies. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
EXTRAS=${AFIRGEN_EXTRAS:-test,bench}
APT_PACKAGES=(mariadb-server redis-server chromium valgrind gcc)
# without recommends: no node exporter nor anything else we would not use
MONITORING_PACKAGES=(prometheus prometheus-mysqld-exporter prometheus-redis-exporter)

# mariadbd and redis-server run the backend; chromium checks the published site offline;
# valgrind (with callgrind.h) and gcc count instructions for benchmarks/cost.py; Prometheus
# (with promtool) and its MariaDB and Redis exporters watch the load test (docs/monitoring.md)
have_servers() {
  { command -v mariadbd || [ -x /usr/sbin/mariadbd ]; } >/dev/null 2>&1 &&
    command -v mariadb-install-db >/dev/null 2>&1 &&
    command -v redis-server >/dev/null 2>&1 &&
    command -v chromium >/dev/null 2>&1 &&
    command -v valgrind >/dev/null 2>&1 &&
    [ -f /usr/include/valgrind/callgrind.h ] &&
    command -v gcc >/dev/null 2>&1 &&
    command -v prometheus >/dev/null 2>&1 &&
    command -v promtool >/dev/null 2>&1 &&
    command -v prometheus-mysqld-exporter >/dev/null 2>&1 &&
    command -v prometheus-redis-exporter >/dev/null 2>&1
}

if ! have_servers; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: MariaDB/Redis server binaries are missing and this user cannot install them." >&2
    echo "       Ask an administrator to run: apt-get install -y ${APT_PACKAGES[*]}" \
      "&& apt-get install -y --no-install-recommends ${MONITORING_PACKAGES[*]}" >&2
    exit 4
  fi
  echo "==> installing ${APT_PACKAGES[*]} ${MONITORING_PACKAGES[*]} (apt; we start private instances ourselves)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${MONITORING_PACKAGES[@]}" >/dev/null
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: Python 3.11 or newer is needed as '$PYTHON' (set PYTHON=/path/to/python3.11)." >&2
  exit 4
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.afirgen-installed
want="$(sha256sum pyproject.toml | cut -c1-16)-$EXTRAS"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing Python dependencies (.[$EXTRAS])"
  # pipefail keeps pip's own exit status; the filter only hides a harmless index warning
  if ! { .venv/bin/python -m pip install -q --upgrade pip &&
    .venv/bin/python -m pip install -q -e ".[$EXTRAS]"; } 2>&1 | { grep -v "is ignored" || true; }; then
    echo "error: pip could not install the Python dependencies (see above); fix that and run again" >&2
    exit 4
  fi
  .venv/bin/python -c "import afirgen_fixtures, pymysql, redis, hiredis" # fails loudly if the install did not take
  echo "$want" >"$stamp"
fi
# The benchmark machine's name keys results/<machine>/ and calibration/<machine>.json. This
# kind of VM (2 vCPUs, the python-svc image) is python-svc-2cpu; elsewhere set
# AFIRGEN_BENCH_MACHINE (CI runners do) so results and noise are never mixed across machines.
if ! grep -q '"machine"' ~/.asv-machine.json 2>/dev/null || [ -n "${AFIRGEN_BENCH_MACHINE:-}" ]; then
  machine=${AFIRGEN_BENCH_MACHINE:-python-svc-2cpu}
  echo "==> registering the benchmark machine '$machine' with asv"
  .venv/bin/asv machine --yes --machine "$machine" >/dev/null
fi
echo "==> set up: .venv ready; mariadbd, redis-server, chromium, valgrind, gcc, prometheus and its exporters installed"
