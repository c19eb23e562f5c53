#!/usr/bin/env bash
# Lamina and its peers side by side, interleaved, on the LSTM workloads of issue 13:
#   lamina bench fit --workload seed-lstm|stacked-lstm  vs  lstm_fit_torch.py / lstm_fit_keras.py
#   lamina bench forward --workload lstm512             vs  lstm_forward_torch.py
#   lamina bench predict --workload seed-lstm --batch 1 (Lamina only)
# Each round runs every (workload, thread count) for Lamina, PyTorch and Keras one after the other,
# so that all three see the same machine load; the raw outputs and the load average of each round
# go to $OUT, and summarize.py prints min/median per framework and the ratios peer / Lamina.
#
#   bench/peers/run_fit.sh                        # ROUNDS=3 THREADS="1 2" KERAS=1
#   ROUNDS=5 THREADS=2 KERAS=0 bench/peers/run_fit.sh
# Needs a built tree (./mvnw -q -DskipTests process-classes) and the peers' venv (PEERS_PYTHON,
# default ../peers/bin/python beside the repository).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PEERS_PYTHON:-$ROOT/../peers/bin/python}"
if [[ ! -x "$PY" ]]; then
    echo "run_fit.sh: no peers' Python at $PY (set PEERS_PYTHON, see bench/peers/README.md)" >&2
    exit 2
fi
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-1 2}"
WORKLOADS="${WORKLOADS:-seed-lstm stacked-lstm}"
KERAS="${KERAS:-1}"
FORWARD="${FORWARD:-1}"
REPEATS="${REPEATS:-3}"
OUT="${OUT:-$ROOT/bench/raw/issue13-$(date -u +%Y%m%d-%H%M)}"
mkdir -p "$OUT"
CP="$ROOT/target/classes:$(cat "$ROOT/target/runtime-classpath.txt")"

lamina() { java -cp "$CP" dev.lamina.cli.Main bench "$@"; }
peer() { (cd "$ROOT/bench/peers" && "$PY" "$@"); }

for round in $(seq 1 "$ROUNDS"); do
    echo "round $round: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/loadavg.txt"
    for t in $THREADS; do
        for w in $WORKLOADS; do
            lamina fit --workload "$w" --threads "$t" --repeats "$REPEATS" > "$OUT/lamina-fit-$w-t$t-r$round.txt"
            OMP_NUM_THREADS="$t" peer lstm_fit_torch.py --workload "$w" --threads "$t" --repeats "$REPEATS" \
                > "$OUT/torch-fit-$w-t$t-r$round.txt"
            if [[ "$KERAS" == 1 ]]; then
                OMP_NUM_THREADS="$t" peer lstm_fit_keras.py --workload "$w" --threads "$t" --repeats "$REPEATS" \
                    > "$OUT/keras-fit-$w-t$t-r$round.txt" 2> /dev/null
            fi
        done
        if [[ "$FORWARD" == 1 ]]; then
            lamina forward --workload lstm512 --threads "$t" --repeats "$REPEATS" > "$OUT/lamina-forward-lstm512-t$t-r$round.txt"
            OMP_NUM_THREADS="$t" peer lstm_forward_torch.py --threads "$t" --repeats "$REPEATS" \
                > "$OUT/torch-forward-lstm512-t$t-r$round.txt"
        fi
        lamina predict --workload seed-lstm --batch 1 --threads "$t" --iterations 3000 \
            > "$OUT/lamina-predict-seed-lstm-t$t-r$round.txt"
    done
done
echo "end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/loadavg.txt"
"$PY" "$ROOT/bench/peers/summarize.py" "$OUT" | tee "$OUT/summary.txt"
