"""Summarizes a bench/peers/run_fit.sh directory: for every (benchmark, workload, threads) the best
minimum and the median of the per-run medians of each framework, and the ratios peer / Lamina
(above 1: Lamina is faster). Reads the `name: value` lines of every <framework>-<bench>-<workload>-t<N>-r<K>.txt.
"""
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

KEYS = {"fit": "fit_seconds", "forward": "forward_ms", "predict": "predict_us"}


def read(path):
    vals = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([a-z_]+): (.*)$", line.strip())
        if m:
            vals[m.group(1)] = m.group(2)
    return vals


def main(d):
    runs = defaultdict(lambda: defaultdict(lambda: {"min": [], "median": []}))
    for p in sorted(Path(d).glob("*-r*.txt")):
        m = re.match(r"^(lamina|torch|keras)-(fit|forward|predict)-(.+)-t(\d+)-r(\d+)\.txt$", p.name)
        if not m:
            continue
        fw, bench, workload, threads, _ = m.groups()
        v = read(p)
        key = KEYS[bench]
        if f"{key}_min" not in v:
            print(f"# {p.name}: no {key}_min (failed run?)")
            continue
        r = runs[(bench, workload, int(threads))][fw]
        r["min"].append(float(v[f"{key}_min"]))
        r["median"].append(float(v[f"{key}_median"]))
    print("| benchmark | workload | threads | framework | runs | best min | median of medians | peer / Lamina (median) |")
    print("|---|---|---|---|---|---|---|---|")
    for (bench, workload, threads), fws in sorted(runs.items()):
        unit = {"fit": "s", "forward": "ms", "predict": "µs"}[bench]
        lam = fws.get("lamina")
        lam_med = statistics.median(lam["median"]) if lam and lam["median"] else None
        for fw in ("lamina", "torch", "keras"):
            if fw not in fws or not fws[fw]["min"]:
                continue
            r = fws[fw]
            med = statistics.median(r["median"])
            ratio = f"{med / lam_med:.2f}" if lam_med and fw != "lamina" else "-"
            print(f"| {bench} | {workload} | {threads} | {fw} | {len(r['min'])} | {min(r['min']):.4g} {unit} "
                  f"| {med:.4g} {unit} | {ratio} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
