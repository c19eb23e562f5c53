#!/usr/bin/env bash
# The forecaster's accuracy over seeds: runs `lamina forecast` with its defaults (plus any extra
# options given after --) for each city and seed, then prints MAE and WIS by horizon beside the
# baselines from each run's metrics.json (needs jq), and their means over the seeds per city and horizon.
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
ROWS="$(for c in $CITIES; do
    for s in $SEEDS; do
        f="$OUT/$c-$s/metrics.json"
        [[ -f "$f" ]] || continue
        jq -r --arg c "$c" --arg s "$s" '.horizons | to_entries[] | [$c, $s, (.key | ltrimstr("h")),
            .value.lstm.mae, .value.persistence.mae, .value.lstm.wis, .value.persistence.wis,
            .value.lstm.coverage_50, .value.lstm.coverage_95] | @tsv' "$f"
    done
done)"
printf '%-9s %-5s %-2s %8s %8s %8s %8s %7s %7s\n' city seed h MAE pers_MAE WIS pers_WIS cov50 cov95
awk -F'\t' 'NF {printf "%-9s %-5s %-2s %8.2f %8.2f %8.2f %8.2f %7.3f %7.3f\n", $1, $2, $3, $4, $5, $6, $7, $8, $9}' <<< "$ROWS"
# the mean over seeds per city and horizon: MAE, seeds beating persistence, WIS / persistence WIS, coverage ranges
echo
printf '%-9s %-2s %5s %8s %8s %7s %8s %8s %9s %13s %13s\n' city h seeds MAE pers_MAE beating WIS pers_WIS WIS_ratio cov50 cov95
awk -F'\t' 'NF {k = $1 "\t" $3; if (!(k in n)) order[++m] = k; n[k]++; mae[k] += $4; pm[k] = $5; wis[k] += $6; pw[k] = $7
        beat[k] += ($4 < $5); if (!(k in lo50) || $8 < lo50[k]) lo50[k] = $8; if (!(k in hi50) || $8 > hi50[k]) hi50[k] = $8
        if (!(k in lo95) || $9 < lo95[k]) lo95[k] = $9; if (!(k in hi95) || $9 > hi95[k]) hi95[k] = $9}
    END {for (i = 1; i <= m; i++) {k = order[i]; split(k, p, "\t")
        printf "%-9s %-2s %5d %8.2f %8.2f %4d/%-2d %8.2f %8.2f %9.3f %6.3f-%-6.3f %6.3f-%-6.3f\n", p[1], p[2], n[k], mae[k] / n[k],
            pm[k], beat[k], n[k], wis[k] / n[k], pw[k], wis[k] / n[k] / pw[k], lo50[k], hi50[k], lo95[k], hi95[k]}}' <<< "$ROWS"
