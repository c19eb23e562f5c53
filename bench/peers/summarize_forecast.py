"""Means over seeds of dengue_forecast_{torch,keras}.py reports: reads the logs named on the command
line (the last line of each is its JSON report) and prints, per framework, city and horizon, the
mean MAE and WIS, the WIS ratio to probabilistic persistence, the coverage ranges, and per seed the
chosen window and epoch count and the MAE; then per run the candidate windows' out-of-fold scores.

    python summarize_forecast.py out/peers/*.log
"""
import json
import sys
from collections import defaultdict


def main():
    runs = defaultdict(list)
    for path in sys.argv[1:]:
        with open(path) as f:
            lines = [l for l in f.read().splitlines() if l.startswith("{")]
        if not lines:
            print(f"{path}: no report (unfinished?)", file=sys.stderr)
            continue
        r = json.loads(lines[-1])
        runs[(r["peer"]["framework"], r["city"])].append(r)
    print(f"{'peer':6} {'city':9} {'h':>2} {'seeds':>5} {'MAE':>7} {'pers':>7} {'WIS':>6} {'WIS ratio':>9} {'cov50':>11} {'cov95':>11}"
          f"  windows / epochs")
    for (fw, city), rs in sorted(runs.items()):
        for h in rs[0]["horizons"]:
            m = [r["horizons"][h]["model"] for r in rs]
            p = rs[0]["horizons"][h]["persistence"]
            mae = sum(x["mae"] for x in m) / len(m)
            wis = sum(x["wis"] for x in m) / len(m)
            c50 = [x["coverage_50"] for x in m]
            c95 = [x["coverage_95"] for x in m]
            print(f"{fw:6} {city:9} {h[1:]:>2} {len(rs):5d} {mae:7.2f} {p['mae']:7.2f} {wis:6.2f} {wis / p['wis']:9.3f} "
                  f"{min(c50):.3f}-{max(c50):.3f} {min(c95):.3f}-{max(c95):.3f}  {[r.get('window') for r in rs]} / {[r['chosen_epochs'] for r in rs]} "
                  f"MAE per seed {[round(x['mae'], 2) for x in m]}")

    for (fw, city), rs in sorted(runs.items()):
        for r in sorted(rs, key=lambda r: r["seed"]):
            cands = ", ".join(f"w{w} {v['cv_score']:.4f} ({v['epochs']} epochs)" for w, v in r.get("windows", {}).items())
            print(f"{fw:6} {city:9} seed {r['seed']}: window {r.get('window')}, {r['chosen_epochs']} epochs; folds {cands}")


if __name__ == "__main__":
    main()
