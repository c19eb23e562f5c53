#!/usr/bin/env bash
# A/B of environment settings on one Lamina bench workload, interleaved within each round so that all
# variants see the same load. One line per run: min and median seconds of REPEATS fits, load average
# before and after.
#
#   VARIANTS="LAMINA_TN_DIRECT=0 LAMINA_TN_DIRECT=1" THREADS="1 2" ROUNDS=3 bench/peers/run_env_ab.sh
# A variant is a comma-separated list of VAR=value (or "-" for none). Needs a built tree.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CP="$ROOT/target/classes:$(cat "$ROOT/target/runtime-classpath.txt")"
THREADS="${THREADS:-1 2}"; ROUNDS="${ROUNDS:-3}"; REPEATS="${REPEATS:-5}"; GRAPH="${GRAPH:-}"
WORKLOAD="${WORKLOAD:-seed-lstm}"; VARIANTS="${VARIANTS:--}"
for r in $(seq 1 "$ROUNDS"); do
    for t in $THREADS; do
        for v in $VARIANTS; do
            envs=(); [[ $v != - ]] && IFS=, read -r -a envs <<< "$v"
            graph=(); [[ -n "$GRAPH" ]] && graph=(--graph "$GRAPH")
            la0=$(cut -d' ' -f1 /proc/loadavg)
            out=$(env ${envs[@]+"${envs[@]}"} java -cp "$CP" dev.lamina.cli.Main bench fit --workload "$WORKLOAD" \
                --threads "$t" --repeats "$REPEATS" ${graph[@]+"${graph[@]}"} 2>/dev/null)
            mn=$(echo "$out" | awk '/^fit_seconds_min/{print $2}')
            md=$(echo "$out" | awk '/^fit_seconds_median/{print $2}')
            printf "round=%s threads=%s graph=%s %-40s min=%.3f median=%.3f load=%s-%s\n" "$r" "$t" "${GRAPH:-default}" \
                "$v" "$mn" "$md" "$la0" "$(cut -d' ' -f1 /proc/loadavg)"
        done
    done
done
