# Sourced by the old-against-new kernel benchmarks (scalar_ops_bench.sh, tile_8x32_bench.sh): builds
# bench/native/NAME_lib.cpp twice, against git revision OLD's native/ and cpu-kernels/ (namespace
# lamina_old) and the working tree's (lamina_new), with the JNI build's flags (pom.xml), and links
# NAME_bench.cpp with both into $TMP/bench; prints which trees and the machine's load.
# Sets ROOT and TMP (removed on exit); leaves $TMP/old.o and $TMP/new.o for inspection.
#   build_old_new NAME OLD
build_old_new() {
    local name=$1 old=$2
    ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT
    mkdir -p "$TMP/old/native" "$TMP/old/cpu-kernels"
    git -C "$ROOT" archive "$old" native cpu-kernels | tar -x -C "$TMP/old"
    local flags="-std=c++17 -O3 -march=x86-64 -ffp-contract=off -fno-math-errno -pthread"
    g++ $flags -DLAMINA_NS=lamina_old -I"$TMP/old/native" -I"$TMP/old/cpu-kernels" -c "$ROOT/bench/native/${name}_lib.cpp" -o "$TMP/old.o"
    g++ $flags -DLAMINA_NS=lamina_new -I"$ROOT/native" -I"$ROOT/cpu-kernels" -c "$ROOT/bench/native/${name}_lib.cpp" -o "$TMP/new.o"
    g++ $flags "$ROOT/bench/native/${name}_bench.cpp" "$TMP/old.o" "$TMP/new.o" -o "$TMP/bench"
    echo "old: $old ($(git -C "$ROOT" rev-parse --short "$old")), new: working tree; $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
}
