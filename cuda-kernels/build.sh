#!/usr/bin/env bash
# Native build of the cuda backend, run by Maven (exec-maven-plugin, phase process-classes, see
# the CUDA-NATIVE-BUILD block of pom.xml) after the Java classes are compiled:
#
#   1. nvcc compiles cuda-kernels/*.cu (fatbin with SASS for sm_80 and sm_90 plus compute_90 PTX)
#      into the static library target/cuda/liblamina_cuda_kernels.a;
#   2. the JavaCPP Builder compiles the JNI glue of dev.lamina.backend.cuda.CudaNative and links it
#      with that library and the static CUDA runtime (libcudart_static.a, -lrt -ldl -lpthread)
#      into target/classes/dev/lamina/backend/cuda/<platform>/libjniCudaNative.so, which needs only
#      the driver (libcuda.so.1, opened by the runtime with dlopen) at run time.
#
# Before them, always (no nvcc needed), cuda-kernels/emu/build.sh builds the emulated device,
# libjniCudaNativeEmulated.so, from the same .cu files with g++ (LAMINA_CUDA=emulated runs the cuda
# backend on it; see cuda-kernels/emu/README.md).
#
# Both nvcc steps are skipped, and the build goes on, when:
#   - nvcc is not found. The rule: `nvcc` on PATH (command -v nvcc); failing that
#     $CUDA_HOME/bin/nvcc when CUDA_HOME is set. Nothing else is searched: a toolkit at
#     /usr/local/cuda that is on neither is not used;
#   - the build is run with -Dlamina.cuda.skip=true (or LAMINA_CUDA_SKIP=true in the environment).
# The cuda backend then reports "cuda kernels not built (nvcc was absent at build time)" at run
# time and everything runs on the CPU.
#
# The JavaCPP step is done here rather than by a javacpp-maven-plugin execution so that a single
# rule (this script's nvcc detection, evaluated at build time) decides both steps; Maven profile
# activation cannot see PATH and would disagree with it.
#
# Usage: build.sh <project dir> <classes dir> <java executable> <class path> [skip flag]
set -euo pipefail

PROJECT=${1:?project dir}
CLASSES=${2:?classes dir}
JAVA=${3:?java executable}
CLASSPATH_ARG=${4:?class path}
SKIP=${5:-false}

# ---- 0. the emulated device (g++ only; skipped by itself when up to date) --------------------------
bash "$PROJECT/cuda-kernels/emu/build.sh" "$PROJECT" "$CLASSES" "$JAVA" "$CLASSPATH_ARG"

SKIP_MSG="lamina: nvcc not found, skipping the CUDA kernels (the cuda backend will report itself unavailable)"

if [[ "$SKIP" == "true" || "${LAMINA_CUDA_SKIP:-false}" == "true" ]]; then
    echo "lamina: lamina.cuda.skip=true, skipping the CUDA kernels (the cuda backend will report itself unavailable)"
    exit 0
fi

NVCC=$(command -v nvcc || true)
if [[ -z "$NVCC" && -n "${CUDA_HOME:-}" && -x "$CUDA_HOME/bin/nvcc" ]]; then
    NVCC="$CUDA_HOME/bin/nvcc"
fi
if [[ -z "$NVCC" ]]; then
    echo "$SKIP_MSG"
    exit 0
fi

# The toolkit root: $CUDA_HOME, else what nvcc itself reports (nvcc may be a wrapper script).
CUDA_ROOT=${CUDA_HOME:-}
if [[ -z "$CUDA_ROOT" ]]; then
    CUDA_ROOT=$(cd /tmp && "$NVCC" --dryrun -c -x cu /dev/null -o /dev/null 2>&1 \
        | sed -n 's/^#\$ TOP=//p' | head -n 1)
    CUDA_ROOT=$(cd "$CUDA_ROOT" && pwd -P)
fi
CUDA_LIB=""
for d in "$CUDA_ROOT/lib64" "$CUDA_ROOT/targets/x86_64-linux/lib" "$CUDA_ROOT/lib"; do
    if [[ -f "$d/libcudart_static.a" ]]; then CUDA_LIB=$d; break; fi
done
if [[ -z "$CUDA_LIB" ]]; then
    echo "lamina: libcudart_static.a not found under $CUDA_ROOT (nvcc: $NVCC)" >&2
    exit 1
fi

SRC="$PROJECT/cuda-kernels"
OUT="$PROJECT/target/cuda"
LIB="$OUT/liblamina_cuda_kernels.a"
mkdir -p "$OUT"

# ---- 1. nvcc -> static library (skipped when up to date) --------------------------------------
stale=false
if [[ ! -f "$LIB" ]]; then
    stale=true
else
    for f in "$SRC"/*.cu "$PROJECT/native/lamina_cuda.h" "$PROJECT/native/lamina_ops.h" "$SRC/build.sh"; do
        if [[ "$f" -nt "$LIB" ]]; then stale=true; break; fi
    done
fi
if $stale; then
    echo "lamina: nvcc $("$NVCC" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p') ($NVCC): building $LIB"
    start=$(date +%s%N)
    objs=()
    for cu in "$SRC"/*.cu; do
        obj="$OUT/$(basename "${cu%.cu}").o"
        "$NVCC" -c "$cu" -o "$obj" -std=c++17 -O3 \
            -I"$PROJECT/native" \
            -gencode arch=compute_80,code=sm_80 \
            -gencode arch=compute_90,code=sm_90 \
            -gencode arch=compute_90,code=compute_90 \
            -Xcompiler -fPIC &
        objs+=("$obj")
    done
    # one job per file, run side by side
    for job in $(jobs -p); do wait "$job"; done
    rm -f "$LIB"
    "$NVCC" -lib -o "$LIB" "${objs[@]}"
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf 'lamina: nvcc step took %d.%03d s\n' $((ms / 1000)) $((ms % 1000))
else
    echo "lamina: $LIB is up to date"
fi

# ---- 2. JavaCPP -> JNI library (skipped when up to date) -------------------------------------
# The Builder writes it to <classes>/dev/lamina/backend/cuda/<platform>/, where Loader finds it.
CLS="$CLASSES/dev/lamina/backend/cuda/CudaNative.class"
SO=$(ls "$CLASSES"/dev/lamina/backend/cuda/*/libjniCudaNative.so 2>/dev/null | head -n 1 || true)
if [[ -n "$SO" && "$SO" -nt "$LIB" && "$SO" -nt "$CLS" ]]; then
    echo "lamina: $SO is up to date"
    exit 0
fi
echo "lamina: JavaCPP: building the JNI library of dev.lamina.backend.cuda.CudaNative"
start=$(date +%s%N)
# Everything CUDA is linked statically, so no run-time search path to the build or toolkit
# directories (rpath-link instead of rpath); --no-undefined turns a missing symbol into a link
# error here instead of a "symbol lookup error" that would kill the JVM at run time.
"$JAVA" -cp "$CLASSPATH_ARG" org.bytedeco.javacpp.tools.Builder \
    -classpath "$CLASSES" \
    -Dplatform.includepath="$PROJECT/native:$CUDA_ROOT/include" \
    -Dplatform.linkpath="$OUT:$CUDA_LIB" \
    -Dplatform.linkpath.prefix2=-Wl,-rpath-link, \
    -Xcompiler -Wl,--no-undefined \
    dev.lamina.backend.cuda.CudaNative
ms=$(( ($(date +%s%N) - start) / 1000000 ))
SO=$(ls "$CLASSES"/dev/lamina/backend/cuda/*/libjniCudaNative.so | head -n 1)
printf 'lamina: built %s (%d bytes) in %d.%03d s\n' "$SO" "$(stat -c %s "$SO")" $((ms / 1000)) $((ms % 1000))
if ldd "$SO" | grep -q 'libcudart'; then
    echo "lamina: $SO depends on a shared CUDA runtime; it must link libcudart_static.a" >&2
    exit 1
fi
