#!/usr/bin/env bash
# The seed LSTM fit three ways, interleaved within each round so that all see the same load:
#   native    lamina bench fit --workload seed-lstm (the cpu backend's native sequence kernels)
#   composed  the same with -Dlamina.cpu.sequenceKernels=composed (the per-step loops before them)
#   torch     lstm_fit_torch.py --workload seed-lstm
# One line per run: min and median seconds of REPEATS fits, load average before and after.
#
#   THREADS="1 2" ROUNDS=3 GRAPH=off bench/peers/run_seedfit_ab.sh
# Needs a built tree (./mvnw -q -DskipTests process-classes) and the peers' venv (PEERS_PYTHON,
# default ../peers/bin/python beside the repository).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PEERS_PYTHON:-$ROOT/../peers/bin/python}"
CP="$ROOT/target/classes:$(cat "$ROOT/target/runtime-classpath.txt")"
THREADS="${THREADS:-1 2}"; ROUNDS="${ROUNDS:-3}"; REPEATS="${REPEATS:-5}"; GRAPH="${GRAPH:-}"
MODES="${MODES:-native composed torch}"
for r in $(seq 1 "$ROUNDS"); do
    for t in $THREADS; do
        for mode in $MODES; do
            la0=$(cut -d' ' -f1 /proc/loadavg)
            if [[ $mode == torch ]]; then
                out=$(cd bench/peers && OMP_NUM_THREADS=$t "$PY" lstm_fit_torch.py --workload seed-lstm --threads "$t" \
                    --repeats "$REPEATS" 2>/dev/null)
            else
                opts=(); [[ $mode == composed ]] && opts=(-Dlamina.cpu.sequenceKernels=composed)
                graph=(); [[ -n "$GRAPH" ]] && graph=(--graph "$GRAPH")
                out=$(java ${opts[@]+"${opts[@]}"} -cp "$CP" dev.lamina.cli.Main bench fit --workload seed-lstm \
                    --threads "$t" --repeats "$REPEATS" ${graph[@]+"${graph[@]}"} 2>/dev/null)
            fi
            mn=$(echo "$out" | awk '/^fit_seconds_min/{print $2}')
            md=$(echo "$out" | awk '/^fit_seconds_median/{print $2}')
            printf "round=%s threads=%s graph=%s %-8s min=%.3f median=%.3f load=%s-%s\n" "$r" "$t" "${GRAPH:-default}" \
                "$mode" "$mn" "$md" "$la0" "$(cut -d' ' -f1 /proc/loadavg)"
        done
    done
done
