#!/usr/bin/env bash
# Builds and runs the kernel harness of the emulated CUDA device (cuda-kernels/emu/test/): every
# kernel of cuda-kernels/*.cu against the cpu kernels or plain loops, sizes 1, 7, 33, 1023, in
# forward, reverse and shuffled thread order and with a capped grid, plus the emulator's own fault
# reports. With SAN=1 (the default) everything is built with -fsanitize=address,undefined, so an
# out-of-bounds or misaligned access of a kernel stops the run with the sanitizer's report.
# The build is skipped when the binary is newer than every input; the run always happens.
#
# Usage: harness.sh [project dir] [quick|big|ci]   (ci: forward order and capped grid only)
# Environment: SAN=0|1 (default 1), JAVA (default: java on PATH), CXX (default g++),
#              LAMINA_CUDA_EMU_HARNESS_SKIP=true skips it (Maven: -Dlamina.cuda.emu.harness.skip=true).
set -euo pipefail

PROJECT=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
MODE=${2:-quick}
if [[ "${LAMINA_CUDA_EMU_HARNESS_SKIP:-false}" == "true" ]]; then
    echo "lamina: emulated-device kernel harness skipped"
    exit 0
fi
SAN=${SAN:-1}
JAVA=${JAVA:-java}
CXX=${CXX:-g++}
SRC="$PROJECT/cuda-kernels"
EMU="$SRC/emu"
OUT="$PROJECT/target/cuda-emu-harness-san$SAN"
BIN="$OUT/test_kernels"
mkdir -p "$OUT"

stale=true
if [[ -x "$BIN" ]]; then
    stale=false
    for f in "$SRC"/*.cu "$SRC"/*.cuh "$EMU"/*.cpp "$EMU"/*.hpp "$EMU"/include/* "$EMU"/Cu2Cpp.java "$EMU"/harness.sh "$EMU"/objcache.sh \
             "$EMU"/test/* "$PROJECT"/native/lamina_cuda.h "$PROJECT"/native/lamina_cpu.h "$PROJECT"/cpu-kernels/*; do
        if [[ -e "$f" && "$f" -nt "$BIN" ]]; then stale=true; break; fi
    done
fi

if $stale; then
    start=$(date +%s%N)
    FLAGS=(-std=c++17 -O1 -g -ffp-contract=off -Wall -Wno-unknown-pragmas -Wno-unused-variable -Wno-unused-function)
    LINK=()
    if [[ "$SAN" == 1 ]]; then
        FLAGS+=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
        LINK+=(-fsanitize=address,undefined)
    fi
    echo "lamina: building the emulated-device kernel harness (SAN=$SAN): $BIN"
    rm -rf "$OUT/gen"
    "$JAVA" "$EMU/Cu2Cpp.java" "$OUT/gen" "$SRC"/*.cu "$EMU/test/selftest.cu"
    rm -f "$OUT/gen/runtime.cpp"  # the harness calls the kernels' launchers, not the JNI surface's runtime part
    source "$EMU/objcache.sh"
    HS=$(objcache_sum "$SRC"/*.cuh "$EMU"/*.hpp "$EMU"/include/* "$PROJECT"/native/*.h "$PROJECT"/cpu-kernels/*)
    objs=()
    for cpp in "$OUT"/gen/*.cpp; do
        obj="$OUT/$(basename "${cpp%.cpp}").o"
        objs+=("$obj")
        objcache_compile "$cpp" "$obj" "$HS" "$CXX" "${FLAGS[@]}" -Dlamina=lamina_cuemu -I"$EMU/include" -I"$EMU" \
            -I"$SRC" -I"$PROJECT/native" || exit 1
    done
    objs+=("$OUT/cudaemu.o" "$OUT/ref_cpu.o" "$OUT/test_kernels.o")
    objcache_compile "$EMU/cudaemu.cpp" "$OUT/cudaemu.o" "$HS" "$CXX" "${FLAGS[@]}" -I"$EMU" || exit 1
    # the reference (the cpu kernels) is not what is under test: no sanitizer, no debug info (it is
    # the biggest compile of the harness)
    objcache_compile "$EMU/test/ref_cpu.cpp" "$OUT/ref_cpu.o" "$HS" "$CXX" -std=c++17 -O1 -ffp-contract=off \
        -DLAMINA_NO_CLONES -I"$PROJECT/native" -I"$PROJECT/cpu-kernels" || exit 1
    # the self-test's path is compiled in (it reads its EXPECT_LINE marks): relative to the project
    objcache_compile "$EMU/test/test_kernels.cpp" "$OUT/test_kernels.o" "$HS" "$CXX" "${FLAGS[@]}" -I"$EMU" \
        -I"$PROJECT/native" -DLAMINA_SELFTEST_CU="\"cuda-kernels/emu/test/selftest.cu\"" || exit 1
    objcache_wait || exit 1
    "$CXX" "${objs[@]}" "${LINK[@]}" -lpthread -o "$BIN"
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf 'lamina: harness built in %d.%03d s\n' $((ms / 1000)) $((ms % 1000))
fi

start=$(date +%s%N)
cd "$PROJECT"  # the self-test reads cuda-kernels/emu/test/selftest.cu
# detect_stack_use_after_return off: it does not mix with the fibers' stack switches
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:detect_stack_use_after_return=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$BIN" "$MODE"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
printf 'lamina: emulated-device kernel harness (SAN=%s, %s) passed in %d.%03d s\n' "$SAN" "$MODE" $((ms / 1000)) $((ms % 1000))
