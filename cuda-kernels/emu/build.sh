#!/usr/bin/env bash
# Builds the emulated CUDA device: the JNI library libjniCudaNativeEmulated.so, made from the same
# cuda-kernels/*.cu sources as the real libjniCudaNative.so, but with g++ (no nvcc, no CUDA
# toolkit, no GPU):
#
#   1. Cu2Cpp.java (run with the JDK's source launcher) rewrites every .cu file into host C++
#      (target/cuda-emu/gen/*.cpp, #line directives keep the .cu file names and lines);
#   2. the JavaCPP Builder writes the JNI glue of dev.lamina.backend.cuda.CudaNative
#      (target/cuda-emu/jni/jniCudaNative.cpp, the same source nvcc's library is linked with) without
#      compiling it;
#   3. g++ compiles the three with cuda-kernels/emu/cudaemu.cpp (the scheduler, PTX and runtime
#      API) into <classes>/dev/lamina/backend/cuda/<platform>/libjniCudaNativeEmulated.so.
#
# The library exports the same JNI symbols as libjniCudaNative.so; CudaRuntime loads one or the
# other (LAMINA_CUDA=emulated or -Dlamina.cuda=emulated picks this one). Skipped when no input has
# changed (a content checksum: Maven rewrites CudaNative.class on every Java change). Called by cuda-kernels/build.sh (Maven, phase process-classes).
#
# Usage: build.sh <project dir> <classes dir> <java executable> <class path>
# Environment: CXX (default g++), LAMINA_CUDA_EMU_OPT (default -O1).
set -euo pipefail

PROJECT=${1:?project dir}
CLASSES=${2:?classes dir}
JAVA=${3:?java executable}
CLASSPATH_ARG=${4:?class path}

SRC="$PROJECT/cuda-kernels"
EMU="$SRC/emu"
OUT="$PROJECT/target/cuda-emu"
CXX=${CXX:-g++}
OPT=${LAMINA_CUDA_EMU_OPT:--O1}
case "$(uname -m)" in
    x86_64) PLATFORM=linux-x86_64 ;;
    aarch64) PLATFORM=linux-arm64 ;;
    *) PLATFORM="linux-$(uname -m)" ;;
esac
SO="$CLASSES/dev/lamina/backend/cuda/$PLATFORM/libjniCudaNativeEmulated.so"
CLS="$CLASSES/dev/lamina/backend/cuda/CudaNative.class"

if ! command -v "$CXX" >/dev/null 2>&1; then
    echo "lamina: $CXX not found: cannot build the emulated CUDA device" >&2
    exit 1
fi

# ---- up to date? --------------------------------------------------------------------------------
# By content, not time: Maven's compiler rewrites CudaNative.class whenever any Java source changes.
STAMP="$OUT/inputs.sha256"
inputs_sum() {
    local f
    for f in "$SRC"/*.cu "$SRC"/*.cuh "$EMU"/*.cpp "$EMU"/*.hpp "$EMU"/include/* "$EMU"/Cu2Cpp.java "$EMU"/build.sh \
             "$PROJECT/native/lamina_cuda.h" "$PROJECT/native/lamina_ops.h" "$CLS"; do
        [[ -f "$f" ]] && { echo "$f"; cat "$f"; }
    done | sha256sum | cut -d' ' -f1
    echo "$CXX $OPT"
}
SUM=$(inputs_sum)
if [[ -f "$SO" && -f "$STAMP" && "$(cat "$STAMP")" == "$SUM" ]]; then
    echo "lamina: $SO is up to date"
    exit 0
fi

echo "lamina: building the emulated CUDA device ($CXX $OPT, no nvcc): $SO"
start=$(date +%s%N)
rm -rf "$OUT/gen" "$OUT/jni"
mkdir -p "$OUT/gen" "$OUT/jni" "$OUT/obj" "$(dirname "$SO")"

# 1. .cu -> host C++
"$JAVA" "$EMU/Cu2Cpp.java" "$OUT/gen" "$SRC"/*.cu

# 2. the JNI glue: JavaCPP writes jniCudaNative.cpp and its own support code jnijavacpp.cpp
#    (-nocompile: g++ below compiles them)
"$JAVA" -cp "$CLASSPATH_ARG" org.bytedeco.javacpp.tools.Builder -classpath "$CLASSES" -nocompile \
    -d "$OUT/jni" dev.lamina.backend.cuda.CudaNative >"$OUT/jni/builder.log" 2>&1 \
    || { cat "$OUT/jni/builder.log" >&2; exit 1; }
JNI_CPP="$OUT/jni/jniCudaNative.cpp"
[[ -f "$JNI_CPP" ]] || { echo "lamina: JavaCPP did not write $JNI_CPP" >&2; cat "$OUT/jni/builder.log" >&2; exit 1; }
JAVA_HOME_DIR=$(cd "$(dirname "$(readlink -f "$(command -v "$JAVA")")")/.." && pwd)
JNI_INC=(-I"$JAVA_HOME_DIR/include" -I"$JAVA_HOME_DIR/include/linux")

# 3. compile (two at a time, each object only when its input changed: objcache.sh) and link.
# Everything but the JNI functions is hidden, and the kernels' namespace is renamed, so nothing here
# can bind to the real library's or the cpu kernels' symbols.
source "$EMU/objcache.sh"
FLAGS=(-std=c++17 "$OPT" -g0 -fPIC -fvisibility=hidden -ffp-contract=off -Wall -Wno-unknown-pragmas
       -Wno-unused-variable -Wno-unused-function -Dlamina=lamina_cuemu)
HS=$(objcache_sum "$SRC"/*.cuh "$EMU"/*.hpp "$EMU"/include/* "$PROJECT"/native/lamina_cuda.h "$PROJECT"/native/lamina_ops.h)
objs=()
for cpp in "$OUT"/gen/*.cpp; do
    obj="$OUT/obj/$(basename "${cpp%.cpp}").o"
    objs+=("$obj")
    objcache_compile "$cpp" "$obj" "$HS" "$CXX" "${FLAGS[@]}" -I"$EMU/include" -I"$EMU" -I"$SRC" -I"$PROJECT/native" || exit 1
done
objs+=("$OUT/obj/cudaemu.o")
objcache_compile "$EMU/cudaemu.cpp" "$OUT/obj/cudaemu.o" "$HS" "$CXX" "${FLAGS[@]}" -I"$EMU" || exit 1
for cpp in "$OUT"/jni/*.cpp; do
    obj="$OUT/obj/jni-$(basename "${cpp%.cpp}").o"
    objs+=("$obj")
    objcache_compile "$cpp" "$obj" "$HS" "$CXX" "${FLAGS[@]}" -I"$PROJECT/native" "${JNI_INC[@]}" -w || exit 1
done
objcache_wait || exit 1
tmp="$SO.tmp.$$"
"$CXX" -shared -o "$tmp" "${objs[@]}" -static-libgcc -Wl,--no-undefined -lpthread
mv -f "$tmp" "$SO"
echo "$SUM" >"$STAMP"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
printf 'lamina: built %s (%d bytes) in %d.%03d s\n' "$SO" "$(stat -c %s "$SO")" $((ms / 1000)) $((ms % 1000))
