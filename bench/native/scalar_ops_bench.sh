#!/usr/bin/env bash
# Times the cpu element-wise kernels of git revision OLD (default HEAD) against the working tree in
# one process, and checks their outputs are bitwise equal. Same flags as the JNI build (pom.xml).
#   bench/native/scalar_ops_bench.sh [OLD]
set -euo pipefail
OLD=${1:-HEAD}
source "$(dirname "$0")/old_new.sh"
build_old_new scalar_ops "$OLD"
"$TMP/bench"
[ -n "${KEEP:-}" ] && cp "$TMP/old.o" "$TMP/new.o" "$TMP/bench" "$KEEP"/ || true
