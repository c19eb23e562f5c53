#!/usr/bin/env bash
# Load benchmark of `lamina serve` (issue 15) beside the same model in Keras behind FastAPI
# (serve_keras_fastapi.py), both on 127.0.0.1: wrk POSTs one 20-week dengue window to :predict
# at concurrency 1, 8 and 64 for DURATION each, after a warm-up, and prints wrk's report
# (requests/s, latency percentiles with --latency, non-2xx responses and socket errors); a
# request counts as timed out (an error) after 30 s.
#
# usage: bench/peers/serve_load.sh [FORECASTER_DIR] [DURATION]
#   FORECASTER_DIR  a saved forecaster (default out/forecast-san_juan/forecaster; ./lamina forecast writes it)
#   DURATION        per concurrency level (default 10s)
# environment: PEER_PYTHON (default /work/peers/bin/python), PEER_CALLS (default "predict call":
# the peer's serving styles to measure, see serve_keras_fastapi.py), LAMINA_PORT (8501), PEER_PORT (8601).
# Needs wrk (Debian: apt-get install wrk). Benchmark tool only: the build never runs it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FORECASTER="${1:-$ROOT/out/forecast-san_juan/forecaster}"
DURATION="${2:-10s}"
PY="${PEER_PYTHON:-/work/peers/bin/python}"
CALLS="${PEER_CALLS:-predict call}"
LPORT="${LAMINA_PORT:-8501}"
PPORT="${PEER_PORT:-8601}"

[[ -f "$FORECASTER/forecaster.json" ]] || { echo "no saved forecaster in $FORECASTER (run ./lamina forecast)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 2; }

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/models/dengue"
cp -r "$FORECASTER" "$WORK/models/dengue/1"

# One 20-week window of scaled values, the request body of every call.
WINDOW="$(python3 -c 'import json; print(json.dumps({"instances": [[[round(0.3 + 0.2 * ((i * 7) % 10) / 10, 3)] for i in range(20)]]}))')"
cat > "$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$WINDOW'
wrk.headers["Content-Type"] = "application/json"
EOF

wait_up() {  # url
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' -d "$WINDOW" "$1" && return 0
        sleep 0.2
    done
    echo "server at $1 did not come up" >&2
    exit 1
}

load() {  # label url
    echo "== $1: one answer: $(curl -s -X POST -H 'Content-Type: application/json' -d "$WINDOW" "$2")"
    wrk -t2 -c8 -d3s --timeout 30s -s "$WORK/post.lua" "$2" >/dev/null  # warm-up
    for c in 1 8 64; do
        t=$(( c < 2 ? 1 : 2 ))
        echo "== $1, concurrency $c ($(uptime | sed 's/.*load average/load average/'))"
        wrk -t$t -c$c -d"$DURATION" --timeout 30s --latency -s "$WORK/post.lua" "$2"
    done
}

echo "== machine: $(nproc) cores, $(uptime)"
"$ROOT/lamina" serve "$WORK/models/dengue" --port "$LPORT" --access-log off 2>"$WORK/lamina.err" &
PIDS+=($!)
wait_up "http://127.0.0.1:$LPORT/v1/models/dengue:predict"
load "lamina serve" "http://127.0.0.1:$LPORT/v1/models/dengue:predict"
kill "${PIDS[0]}"
wait "${PIDS[0]}" 2>/dev/null || true

for call in $CALLS; do
    (cd "$ROOT/bench/peers" && exec "$PY" serve_keras_fastapi.py "$WORK/models/dengue/1/model" --port "$PPORT" --call "$call") \
        2>"$WORK/peer-$call.err" &
    pid=$!
    PIDS+=($pid)
    wait_up "http://127.0.0.1:$PPORT/v1/models/dengue:predict"
    grep "^{" "$WORK/peer-$call.err" || true  # the peer's versions and settings
    load "Keras + FastAPI (--call $call)" "http://127.0.0.1:$PPORT/v1/models/dengue:predict"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
done
