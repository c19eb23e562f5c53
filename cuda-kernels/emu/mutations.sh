#!/usr/bin/env bash
# Seeded bugs: applies each mutation below to a scratch copy of the CUDA kernels and checks that the
# emulated device's tests catch it:
#   1. the sanitized C++ kernel harness (harness.sh, SAN=1: all four modes);
#   2. the Java tests on the emulated device (gpu-tagged + cuda-emulated, forward thread order, then
#      reverse and shuffled while none has failed yet), run with the JUnit console launcher against
#      a copy of target/classes holding the mutated libjniCudaNativeEmulated.so.
# A mutation is CAUGHT when at least one of them fails. Prints one line per mutation and a table
# (the one in cuda-kernels/emu/README.md came from this script). Not part of CI (minutes per mutation).
#
# Needs a built project (./mvnw -DskipTests test-compile: target/classes, target/test-classes,
# target/runtime-classpath.txt) and the JUnit console launcher in ~/.m2 (the bundle profile's).
# Usage: cuda-kernels/emu/mutations.sh [NAME...]   (default: every mutation)
# Environment: JAVA_ORDERS (default "forward reverse shuffled:7"), SKIP_JAVA=1 (harness only),
#   SKIP_HARNESS=1 (Java tests only: the harness calls the element-wise, reduction, matmul and random
#   kernels, not the layer kernels of conv.cu, pool.cu, recurrent.cu, lstm_seq.cu, gru_seq.cu, optim.cu,
#   xent.cu or fused.cu, which the gpu-tagged Java tests check), JAVA_TESTS="pkg.Class ..." (run only
#   these test classes instead of every gpu/cuda-emulated one: minutes less per mutation).
set -uo pipefail

PROJECT=$(cd "$(dirname "$0")/../.." && pwd)
JAVA=${JAVA:-java}
CONSOLE=$(ls ~/.m2/repository/org/junit/platform/junit-platform-console-standalone/*/junit-platform-console-standalone-*.jar 2>/dev/null | head -n 1)
WORK=${WORK:-$PROJECT/target/cuda-emu-mutations}
[[ -d "$PROJECT/target/test-classes" && -f "$PROJECT/target/runtime-classpath.txt" ]] || {
    echo "build the project first: ./mvnw -DskipTests test-compile" >&2; exit 2; }
[[ -n "$CONSOLE" ]] || { echo "no junit-platform-console-standalone jar in ~/.m2" >&2; exit 2; }

# name | file (under cuda-kernels/) | perl substitution (must change the file) | what it models
MUTATIONS=(
"missing-barrier-reduce|reduce.cu|s/(        si\\[t\\] = idx;\\n)        __syncthreads\\(\\);\\n/\$1/|reduce_rows: no barrier between the shared writes and the tree reduction"
"missing-barrier-sgemm|matmul.cu|s/(acc\\[i\\]\\[j\\] = fmaf\\(av\\[i\\], bv\\[j\\], acc\\[i\\]\\[j\\]\\);\\n                \\}\\n)                __syncthreads\\(\\);\\n/\$1/|sgemm_simt: the next k-slab overwrites the tiles while other threads still read them"
"swapped-mma-fragment|matmul.cu|s/af\\[i\\]\\[1\\] = to_tf32\\(As\\[tig\\]\\[r \\+ 8\\]\\);\\n(\\s*)af\\[i\\]\\[2\\] = to_tf32\\(As\\[tig \\+ 4\\]\\[r\\]\\);/af[i][1] = to_tf32(As[tig + 4][r]);\\n\$1af[i][2] = to_tf32(As[tig][r + 8]);/|sgemm_tf32: A fragment registers a1 and a2 swapped"
"off-by-one-load|matmul.cu|s/v\\[q\\] = \\(row < g.m && col \\+ q < g.k\\) \\? A\\[row \\* g.k \\+ col \\+ q\\] : 0.f;/v[q] = (row < g.m && col + q <= g.k) ? A[row * g.k + col + q] : 0.f;/|load_tiles: the scalar A load reads one element past k"
"float4-no-alignment-check|matmul.cu|s/ && \\(reinterpret_cast<uintptr_t>\\(a\\) % 16 == 0\\);/;/|sgemm host: float4 loads of A without checking that its base is 16-byte aligned"
"grid-stride-without-gridDim|elementwise.cu|s/(__global__ void unary_kernel.*?const int64_t stride = static_cast<int64_t>\\(blockDim.x\\)) \\* gridDim.x;/\$1;/s|unary_kernel: the grid-stride step omits gridDim (elements done several times)"
"partial-shared-write|reduce.cu|s/        sv\\[t\\] = v;\\n        si\\[t\\] = idx;\\n/        if (t < kRowThreads \\/ 2) sv[t] = v;\\n        si[t] = idx;\\n/|reduce_rows: half of the threads do not write their partial result to shared memory"
"barrier-in-divergent-code|reduce.cu|s/(                    si\\[t\\] = ia;\\n                \\}\\n            \\}\\n)            __syncthreads\\(\\);/\$1            if (t < w) __syncthreads();/|reduce_rows: the tree-reduction barrier only for the threads still adding"
"off-by-one-cols|reduce.cu|s/for \\(int64_t j = \\(OP == SUM \\? 0 : 1\\); j < n; j\\+\\+\\)/for (int64_t j = (OP == SUM ? 0 : 1); j <= n; j++)/|reduce_cols: the fold reads one row past n"
"unguarded-store|matmul.cu|s/if \\(col < g.n\\) C\\[row \\* g.n \\+ col\\] = acc\\[i\\]\\[j\\];/C[row * g.n + col] = acc[i][j];/|sgemm_simt: the store of the last column tile without its bounds check"
"missing-row-barrier|reduce.cu|s/(            else static_cast<T\\*>\\(out\\)\\[row\\] = sv\\[0\\];\\n        \\}\\n)        __syncthreads\\(\\);\\n/\$1/|reduce_rows: no barrier before the next row reuses shared memory (a grid-stride row loop)"
"conv-missing-tile-barrier|conv.cu|s/(acc\\[i\\]\\[j\\] \\+= av\\[i\\] \\* bv\\[j\\];\\n                    \\}\\n)                    __syncthreads\\(\\);\\n/\$1/|igemm_kernel: the next q-slab's tile load overwrites As/Bs while other threads still read them (a missing barrier)"
"conv-dx-dilation-dropped|conv.cu|s/const int64_t nh = h \\+ g.PT - i \\* g.DH,/const int64_t nh = h + g.PT - i,/|BackwardInput: the input gradient's gather ignores the vertical dilation"
"conv-slice-sum-drops-last|conv.cu|s/for \\(int64_t sl = 1; sl < slices; sl\\+\\+\\)/for (int64_t sl = 1; sl < slices - 1; sl++)/|sum_slices_kernel: the kernel gradient's last reduction slice is never added (off by one)"
"conv-relu-mask-ge|conv.cu|s/relu \\? dy\\[p\\] \\* \\(y\\[p\\] > T\\(0\\)/relu ? dy[p] * (y[p] >= T(0)/|dz_at: the fused ReLU's mask lets the gradient through where the output was clamped to 0"
"pool-last-max-routing|pool.cu|s/if \\(better\\(xv, best\\)\\) \\{/if (!(xv < best)) {/|max_pool_bwd_kernel: ties route the gradient to the last maximum, not the first"
"pool-covering-floor|pool.cu|s/lo = l <= 0 \\? 0 : \\(l \\+ S - 1\\) \\/ S;/lo = l <= 0 ? 0 : l \\/ S;/|covering: the first window over an input row rounds down (a window that does not hold the row is visited)"
"lstm-seq-fwd-missing-gate-barrier|lstm_seq.cu|s/(            if \\(j < H\\) hprev\\[\\(b \\* Tn \\+ t\\) \\* H \\+ j\\] = hs\\[j\\];\\n)            __syncthreads\\(\\);\\n/\$1/|lstm_seq_fwd_kernel: the cell reads other threads' gate pre-activations before they are written (a missing barrier)"
"lstm-seq-bwd-missing-partial-barrier|lstm_seq.cu|s/(            part\\[tid\\] = acc;\\n)            __syncthreads\\(\\);\\n/\$1/|lstm_seq_bwd_kernel: a race on the shared partial sums of dh_next (no barrier between writing and adding them)"
"lstm-seq-bwd-forget-term|lstm_seq.cu|s/const T zf = dct \\* cp \\* f/const T zf = dct * cv * f/|lstm_seq_bwd_kernel: the forget gate's term uses c_s instead of c_{s-1} (a wrong gate term)"
"gru-seq-fwd-wrong-gate|gru_seq.cu|s/\\+ rg \\* hz_sh\\[2 \\* H \\+ j\\]\\)/+ zg * hz_sh[2 * H + j])/|gru_seq_fwd_kernel: the candidate uses the update gate where reset_after needs the reset gate"
"gru-seq-bwd-skips-first-step|gru_seq.cu|s/for \\(int64_t s = Tn - 1; s >= 0; s--\\)/for (int64_t s = Tn - 1; s > 0; s--)/|gru_seq_bwd_kernel: the backward through time stops one step early (off by one)"
"recurrent-lstm-bwd-forget-term|recurrent.cu|s/dz\\[r \\+ H\\] = dct \\* cp\\[p\\]/dz[r + H] = dct * c[p]/|lstm_bwd_kernel (the per-step cell): the forget gate's term uses c_t instead of c_{t-1}"
"adam-eps-inside-sqrt|optim.cu|s/\\(sqrt\\(vi\\) \\+ eps\\)/sqrt(vi + eps)/|adam_kernel: epsilon inside the square root (PyTorch's placement, not Keras's)"
"rmsprop-centered-sign|optim.cu|s/\\(vi - mul_rn\\(ai, ai\\)\\) \\+ eps/(vi + mul_rn(ai, ai)) + eps/|rmsprop_kernel (centered): the mean's square added instead of subtracted"
"xent-missing-read-barrier|xent.cu|s/(    const T r = sh\\[0\\];\\n)    __syncthreads\\(\\);\\n/\$1/|xent_block_reduce: the next reduction overwrites sh[0] before every thread has read the result (a race on a shared partial sum)"
"fused-result-register-off-by-one|fused.cu|s/const int last = p.n_in \\+ p.n_instr - 1;/const int last = p.n_in + p.n_instr - 2;/|fused_elementwise_v1: the output is the second-to-last instruction's register (off by one)"
)

want=("$@")
results=()
mkdir -p "$WORK"
for entry in "${MUTATIONS[@]}"; do
    IFS='|' read -r name file subst what <<<"$entry"
    if [[ ${#want[@]} -gt 0 && ! " ${want[*]} " =~ " $name " ]]; then continue; fi
    dir="$WORK/$name"
    rm -rf "$dir"
    mkdir -p "$dir/target"
    cp -r "$PROJECT/cuda-kernels" "$PROJECT/native" "$PROJECT/cpu-kernels" "$dir/"
    # the project's objects: only the mutated file's are compiled again (objcache.sh)
    if [[ -d "$PROJECT/target/cuda-emu-harness-san1" ]]; then
        cp -r "$PROJECT/target/cuda-emu-harness-san1" "$dir/target/"
        rm -f "$dir/target/cuda-emu-harness-san1/test_kernels"
    fi
    mkdir -p "$dir/target/cuda-emu"
    [[ -d "$PROJECT/target/cuda-emu/obj" ]] && cp -r "$PROJECT/target/cuda-emu/obj" "$dir/target/cuda-emu/"
    before=$(sha256sum "$dir/cuda-kernels/$file")
    perl -0pi -e "$subst" "$dir/cuda-kernels/$file"
    if [[ "$(sha256sum "$dir/cuda-kernels/$file")" == "$before" ]]; then
        echo "== $name: the substitution did not apply to $file (the kernel changed?)"
        results+=("$name|NOT APPLIED||")
        continue
    fi
    echo "== $name ($file): $what"
    # 1. the sanitized harness
    harness="passed"
    if [[ "${SKIP_HARNESS:-0}" == 1 ]]; then
        harness="not run"
    elif ! (cd "$dir" && SAN=1 LAMINA_HARNESS_FAIL_FAST=1 JAVA="$JAVA" timeout 900 bash cuda-kernels/emu/harness.sh "$dir" quick >"$dir/harness.log" 2>&1); then
        harness=$(grep -m1 -E "^FAIL|ERROR: AddressSanitizer|runtime error|cudaemu:" "$dir/harness.log" | cut -c1-160)
        [[ -n "$harness" ]] || harness="failed ($(tail -n 1 "$dir/harness.log" | cut -c1-120))"
    fi
    echo "   harness: $harness"
    # 2. the Java tests on the emulated device
    cp -r "$PROJECT/target/classes" "$dir/classes"
    rm -f "$dir/classes/dev/lamina/backend/cuda/"*/libjniCudaNativeEmulated.so
    java_result="passed"
    if [[ "${SKIP_JAVA:-0}" == 1 ]]; then
        java_result="not run"
    elif ! bash "$dir/cuda-kernels/emu/build.sh" "$dir" "$dir/classes" "$JAVA" "$(cat "$PROJECT/target/runtime-classpath.txt")" >"$dir/build.log" 2>&1; then
        java_result="build failed: $(grep -m1 error "$dir/build.log" | cut -c1-120)"
    else
        select=(--scan-classpath "$PROJECT/target/test-classes" --include-tag gpu --include-tag cuda-emulated)
        if [[ -n "${JAVA_TESTS:-}" ]]; then
            select=()
            for c in $JAVA_TESTS; do select+=(--select-class "$c"); done
        fi
        for order in ${JAVA_ORDERS:-forward reverse shuffled:7}; do
            if ! (cd "$PROJECT" && LAMINA_CUDA=emulated LAMINA_CUDA_EMU_ORDER=$order timeout 900 "$JAVA" -jar "$CONSOLE" execute \
                    --disable-banner --details=none --disable-ansi-colors \
                    --class-path "$dir/classes:$PROJECT/target/test-classes:$(cat "$PROJECT/target/runtime-classpath.txt")" \
                    "${select[@]}" \
                    >"$dir/java-$order.log" 2>&1); then
                failed=$(grep -oE "JUnit Jupiter:[A-Za-z]+:[A-Za-z]+" "$dir/java-$order.log" | sed 's/JUnit Jupiter://; s/:/./' | sort -u | head -n 3 | paste -sd ',' | sed 's/,/, /g')
                fails=$(grep -m1 -oE "[0-9]+ tests failed" "$dir/java-$order.log")
                first=$(grep -m1 -E "=> " "$dir/java-$order.log" | sed 's/^ *=> //' | cut -c1-220)
                java_result="order $order: ${fails:-failed} (${failed:-see java-$order.log}): ${first:-no message (crash?)}"
                break
            fi
        done
    fi
    echo "   java:    $java_result"
    if [[ ( "$harness" == "passed" || "$harness" == "not run" ) && ( "$java_result" == "passed" || "$java_result" == "not run" ) ]]; then
        results+=("$name|NOT CAUGHT|$harness|$java_result")
    else
        results+=("$name|caught|$harness|$java_result")
    fi
    rm -rf "$dir/classes" "$dir/target"
done

echo
echo "| mutation | result | harness (SAN=1) | Java tests on the emulated device |"
echo "| --- | --- | --- | --- |"
missed=0
for r in "${results[@]}"; do
    IFS='|' read -r name res h j <<<"$r"
    echo "| $name | $res | $h | $j |"
    [[ "$res" == caught ]] || missed=$((missed + 1))
done
exit $((missed > 0))
