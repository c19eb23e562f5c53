#!/usr/bin/env bash
# Times the cpu element-wise kernels of git revision OLD (default HEAD) against the working tree in
# one process, and checks their outputs are bitwise equal. Same flags as the JNI build (pom.xml).
#   bench/native/scalar_ops_bench.sh [OLD]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OLD=${1:-HEAD}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/old/native" "$TMP/old/cpu-kernels"
git -C "$ROOT" archive "$OLD" native cpu-kernels | tar -x -C "$TMP/old"
FLAGS="-std=c++17 -O3 -march=x86-64 -ffp-contract=off -fno-math-errno -pthread"
g++ $FLAGS -DLAMINA_NS=lamina_old -I"$TMP/old/native" -I"$TMP/old/cpu-kernels" -c "$ROOT/bench/native/scalar_ops_lib.cpp" -o "$TMP/old.o"
g++ $FLAGS -DLAMINA_NS=lamina_new -I"$ROOT/native" -I"$ROOT/cpu-kernels" -c "$ROOT/bench/native/scalar_ops_lib.cpp" -o "$TMP/new.o"
g++ $FLAGS "$ROOT/bench/native/scalar_ops_bench.cpp" "$TMP/old.o" "$TMP/new.o" -o "$TMP/bench"
echo "old: $OLD ($(git -C "$ROOT" rev-parse --short "$OLD")), new: working tree; $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$TMP/bench"
[ -n "${KEEP:-}" ] && cp "$TMP/old.o" "$TMP/new.o" "$TMP/bench" "$KEEP"/ || true
