#!/usr/bin/env bash
# Every bench workload at 1 and 2 cpu threads, interleaved: in each round every workload runs on both
# thread counts back to back (the order of the two alternates between rounds), so that a pair sees the
# same load. One line per run: min and median (fit: seconds of REPEATS fits; predict: microseconds of
# the run's calls), load average before and after. VARIANTS (space-separated; each a comma-separated
# list of VAR=value, or "-" for none) run back to back for each workload and thread count (an A/B).
# THREADS (default "1 2") replaces the thread counts.
#
#   VARIANTS="LAMINA_GEMM_MIN_PARALLEL=2097152 -" ROUNDS=3 REPEATS=5 bench/peers/run_threads_matrix.sh
# Needs a built tree (target/classes and target/runtime-classpath.txt).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/interleave.sh"
ROUNDS="${ROUNDS:-3}"; REPEATS="${REPEATS:-5}"; THREADS="${THREADS:-1 2}"
WORKLOADS="${WORKLOADS:-seed-lstm stacked-lstm cifar-cnn digits-mlp predict}"
VARIANTS="${VARIANTS:--}"

# one_run ROUND WORKLOAD THREADS VARIANT
one_run() {
    local name
    if [[ $2 == predict ]]; then
        measure predict_us lamina "$4" bench predict --workload seed-lstm --batch 1 --threads "$3"
        name="predict-seed-lstm-b1(us)"
    else
        measure fit_seconds lamina "$4" bench fit --workload "$2" --threads "$3" --repeats "$REPEATS"
        name="fit-$2(s)"
    fi
    printf "round=%s %-26s threads=%s min=%.4g median=%.4g load=%s %s\n" "$1" "$name" "$3" "$MIN" "$MEDIAN" \
        "$LOAD" "$4"
}
interleave "$ROUNDS" one_run "$WORKLOADS" "alt:$THREADS" "$VARIANTS"
