#!/usr/bin/env bash
# The whole test suite: install the external tools, then every cargo test (release build:
# the RTL simulations and exhaustive sweeps need optimised code), then the Python package's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-tools.sh
cargo test --release --locked -- --test-threads 2
# the Python package against the CLI just built (target/release/hwcost)
.venv/bin/python -m pytest -q -rs python/tests
