#!/usr/bin/env bash
# The native LSTM inference kernel (Backend.lstmInference on cpu) against the composed path it
# replaced (-Dlamina.cpu.lstmInference=composed) and against PyTorch, interleaved round by round so
# that all see the same machine load (issue 13, 2026-12-02):
#   lamina bench predict --workload seed-lstm --batch 1   (each of MODES)
#   lamina bench forward --workload lstm512               (each of MODES) vs lstm_forward_torch.py
# Raw outputs and the load average of each round go to $OUT; grep the *_min / *_median lines.
#   ROUNDS=3 THREADS="1 2" bench/peers/run_lstm_inference.sh
# MODES picks the -Dlamina.cpu.lstmInference values (default "auto blas composed": the packed kernel of
# large float32 layers, the native BLAS path before it, the composed path); PREDICT=0 skips predict.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PEERS_PYTHON:-$ROOT/../peers/bin/python}"  # e.g. PEERS_PYTHON=/work/peers/bin/python
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-1 2}"
REPEATS="${REPEATS:-5}"
MODES="${MODES:-auto blas composed}"
PREDICT="${PREDICT:-1}"
OUT="${OUT:-$ROOT/bench/raw/lstm-inference-$(date -u +%Y%m%d-%H%M)}"
mkdir -p "$OUT"
CP="$ROOT/target/classes:$(cat "$ROOT/target/runtime-classpath.txt")"
lamina() { local mode="$1"; shift; java "-Dlamina.cpu.lstmInference=$mode" -cp "$CP" dev.lamina.cli.Main bench "$@" 2> /dev/null; }

for round in $(seq 1 "$ROUNDS"); do
    echo "round $round: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/loadavg.txt"
    for t in $THREADS; do
        for mode in $MODES; do
            if [[ "$PREDICT" != 0 ]]; then
                lamina "$mode" predict --workload seed-lstm --batch 1 --threads "$t" --iterations 3000 \
                    > "$OUT/predict-$mode-t$t-r$round.txt"
            fi
            lamina "$mode" forward --workload lstm512 --threads "$t" --repeats "$REPEATS" \
                > "$OUT/forward-$mode-t$t-r$round.txt"
        done
        if [[ -x "$PY" ]]; then
            (cd bench/peers && OMP_NUM_THREADS="$t" "$PY" lstm_forward_torch.py --threads "$t" --repeats "$REPEATS") \
                > "$OUT/forward-torch-t$t-r$round.txt"
        fi
    done
done
echo "end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/loadavg.txt"
for f in "$OUT"/*.txt; do
    [[ "$f" == */loadavg.txt ]] && continue
    echo "$(basename "$f" .txt): $(grep -E '^(predict_us|forward_ms)_(min|median)' "$f" | tr '\n' ' ')"
done | sort | tee "$OUT/summary.txt"
