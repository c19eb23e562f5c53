#!/usr/bin/env bash
# The forecaster's accuracy over seeds: runs `lamina forecast` with its defaults (plus any extra
# options given after --) for each city and seed, then prints MAE and WIS by horizon beside the
# baselines from each run's metrics.json (needs jq).
#
#   bench/forecast_seeds.sh                       # san_juan and iquitos, seeds 1-5
#   CITIES=san_juan SEEDS="1 2" bench/forecast_seeds.sh -- --ensemble 3
#   OUT=out/seeds bench/forecast_seeds.sh --table-only   # only print the table of earlier runs
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/out/seeds}"
CITIES="${CITIES:-san_juan iquitos}"
SEEDS="${SEEDS:-1 2 3 4 5}"
TABLE_ONLY=0
EXTRA=()
if [[ "${1:-}" == "--table-only" ]]; then
    TABLE_ONLY=1
elif [[ "${1:-}" == "--" ]]; then
    shift
    EXTRA=("$@")
fi
if [[ $TABLE_ONLY == 0 ]]; then
    for c in $CITIES; do
        for s in $SEEDS; do
            echo "== $c seed $s" >&2
            "$ROOT/lamina" forecast --city "$c" --seed "$s" --quiet --out "$OUT/$c-$s" "${EXTRA[@]}" | grep -E '^fit:' >&2
        done
    done
fi
printf '%-9s %-5s %-2s %8s %8s %8s %8s %7s %7s\n' city seed h MAE pers_MAE WIS pers_WIS cov50 cov95
for c in $CITIES; do
    for s in $SEEDS; do
        f="$OUT/$c-$s/metrics.json"
        [[ -f "$f" ]] || continue
        jq -r --arg c "$c" --arg s "$s" '.horizons | to_entries[] | [$c, $s, (.key | ltrimstr("h")),
            .value.lstm.mae, .value.persistence.mae, .value.lstm.wis, .value.persistence.wis,
            .value.lstm.coverage_50, .value.lstm.coverage_95] | @tsv' "$f" |
            awk -F'\t' '{printf "%-9s %-5s %-2s %8.2f %8.2f %8.2f %8.2f %7.3f %7.3f\n", $1, $2, $3, $4, $5, $6, $7, $8, $9}'
    done
done
