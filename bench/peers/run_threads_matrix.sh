#!/usr/bin/env bash
# Every bench workload at 1 and 2 cpu threads, interleaved: in each round every workload runs on both
# thread counts back to back (the order of the two alternates between rounds), so that a pair sees the
# same load. One line per run: min and median (fit: seconds of REPEATS fits; predict: microseconds of
# the run's calls), load average before and after. VARIANTS (space-separated; each a comma-separated
# list of VAR=value, or "-" for none) run back to back for each workload and thread count (an A/B).
#
#   VARIANTS="LAMINA_GEMM_MIN_PARALLEL=2097152 -" ROUNDS=3 REPEATS=5 bench/peers/run_threads_matrix.sh
# Needs a built tree (target/classes and target/runtime-classpath.txt).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CP="$ROOT/target/classes:$(cat "$ROOT/target/runtime-classpath.txt")"
ROUNDS="${ROUNDS:-3}"; REPEATS="${REPEATS:-5}"
WORKLOADS="${WORKLOADS:-seed-lstm stacked-lstm cifar-cnn digits-mlp predict}"
VARIANTS="${VARIANTS:--}"
for r in $(seq 1 "$ROUNDS"); do
    order="1 2"; (( r % 2 == 0 )) && order="2 1"
    for w in $WORKLOADS; do
        for t in $order; do
          for v in $VARIANTS; do
            envs=(); [[ $v != - ]] && IFS=, read -r -a envs <<< "$v"
            la0=$(cut -d' ' -f1 /proc/loadavg)
            if [[ $w == predict ]]; then
                out=$(env ${envs[@]+"${envs[@]}"} java -cp "$CP" dev.lamina.cli.Main bench predict --workload seed-lstm \
                    --batch 1 --threads "$t" 2>/dev/null)
                mn=$(echo "$out" | awk '/^predict_us_min/{print $2}')
                md=$(echo "$out" | awk '/^predict_us_median/{print $2}')
                name="predict-seed-lstm-b1(us)"
            else
                out=$(env ${envs[@]+"${envs[@]}"} java -cp "$CP" dev.lamina.cli.Main bench fit --workload "$w" \
                    --threads "$t" --repeats "$REPEATS" 2>/dev/null)
                mn=$(echo "$out" | awk '/^fit_seconds_min/{print $2}')
                md=$(echo "$out" | awk '/^fit_seconds_median/{print $2}')
                name="fit-$w(s)"
            fi
            printf "round=%s %-26s threads=%s min=%.4g median=%.4g load=%s-%s %s\n" "$r" "$name" "$t" "$mn" "$md" \
                "$la0" "$(cut -d' ' -f1 /proc/loadavg)" "$v"
          done
        done
    done
done
