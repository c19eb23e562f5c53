#!/usr/bin/env bash
# How bench/raw/serve-2026-12-03/serve_traced_vs_eager-abba.txt was made (issue 13 leftovers, traced serving).
# 'before' = the Batcher of commit f50992c (eager model.call), 'after' = the Batcher of e549a39 (Model.predictOnBatch);
# both compiled into /tmp overlays ahead of target/classes with a per-call timer around the model call
# (prints 'model call: mean/p50/p99/max' over each 4000 calls to stderr); the timer was never committed.
# Model: /tmp/h3bench/models/dengue/1 = Sequential(Input(20,1), LSTM(64), Dense(32,relu), Dense(1)), Rng.setGlobalSeed(7), saved with Model.save.
# ABBA: eager batcher (before) vs traced batcher (after), wrk protocol of bench/peers/serve_load.sh at DUR per level,
# both with the per-call timing of the model call (temporary instrumentation in /tmp, not committed)
set -euo pipefail
W=/work/wt/house3; CP="$W/target/classes:$(cat $W/target/runtime-classpath.txt)"
DUR=${DUR:-5s}; PORT=8519
one() {
  java -Dlamina.home=$W -Djava.awt.headless=true -cp "$2$CP" dev.lamina.cli.Main serve /tmp/h3bench/models/dengue --port $PORT --access-log off 2>serve-$1.err &
  pid=$!
  for _ in $(seq 1 300); do curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' -d @body.json http://127.0.0.1:$PORT/v1/models/dengue:predict && break; sleep 0.2; done
  echo "== $1: one answer: $(curl -s -X POST -H 'Content-Type: application/json' -d @body.json http://127.0.0.1:$PORT/v1/models/dengue:predict)"
  wrk -t2 -c8 -d3s --timeout 30s -s post.lua http://127.0.0.1:$PORT/v1/models/dengue:predict >/dev/null
  for c in 1 8 64; do
    t=$(( c < 2 ? 1 : 2 ))
    n0=$(grep -c "model call" serve-$1.err || true)
    echo "== $1, concurrency $c ($(uptime | sed 's/.*load average/load average/'))"
    wrk -t$t -c$c -d$DUR --timeout 30s --latency -s post.lua http://127.0.0.1:$PORT/v1/models/dengue:predict
    grep "model call" serve-$1.err | tail -n +$((n0 + 1)) | sed 's/^/   /'
  done
  kill $pid; wait $pid 2>/dev/null || true
}
echo "== machine: $(nproc) cores, $(uptime)"
python3 -c 'import json; print(json.dumps({"instances": [[[round(0.3 + 0.2 * ((i * 7) % 10) / 10, 3)] for i in range(20)]]}))' > body.json
for order in "before after" "after before" "before after" "after before"; do
  for v in $order; do one $v /tmp/h3bench/instr/$v:; done
done
