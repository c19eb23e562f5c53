#!/usr/bin/env bash
# A/B of environment settings on one Lamina bench workload, interleaved within each round so that all
# variants see the same load. One line per run: min and median seconds of REPEATS fits, load average
# before and after.
#
#   VARIANTS="LAMINA_TN_DIRECT=0 LAMINA_TN_DIRECT=1" THREADS="1 2" ROUNDS=3 bench/peers/run_env_ab.sh
# A variant is a comma-separated list of VAR=value (or "-" for none). Needs a built tree.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/interleave.sh"
THREADS="${THREADS:-1 2}"; ROUNDS="${ROUNDS:-3}"; REPEATS="${REPEATS:-5}"; GRAPH="${GRAPH:-}"
WORKLOAD="${WORKLOAD:-seed-lstm}"; VARIANTS="${VARIANTS:--}"
graph=(); [[ -n "$GRAPH" ]] && graph=(--graph "$GRAPH")

# one_run ROUND THREADS VARIANT
one_run() {
    measure fit_seconds lamina "$3" bench fit --workload "$WORKLOAD" --threads "$2" --repeats "$REPEATS" \
        ${graph[@]+"${graph[@]}"}
    printf "round=%s threads=%s graph=%s %-40s min=%.3f median=%.3f load=%s\n" "$1" "$2" "${GRAPH:-default}" \
        "$3" "$MIN" "$MEDIAN" "$LOAD"
}
interleave "$ROUNDS" one_run "$THREADS" "$VARIANTS"
