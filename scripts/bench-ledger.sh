#!/bin/sh
# Ledger benchmark: append 10,000 entries and verify them (release build).
# Usage: scripts/bench-ledger.sh [N]
set -eu
cd "$(dirname "$0")/.."
LEDGER_BENCH_N="${1:-10000}" exec cargo bench --bench ledger
