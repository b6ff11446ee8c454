#!/usr/bin/env bash
# Installs the system tools hwcost drives (Debian packages), skipping those already present.
set -euo pipefail
need=()
command -v verilator >/dev/null || need+=(verilator)
command -v iverilog  >/dev/null || need+=(iverilog)
command -v yosys     >/dev/null || need+=(yosys)
command -v sta       >/dev/null || need+=(opensta)
command -v python3   >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
verilator --version; iverilog -V 2>/dev/null | head -1; yosys -V; command -v sta
