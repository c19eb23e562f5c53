"""PyTorch peer of `lamina bench forward --workload lstm512`: nn.LSTM(512, 512, batch_first) forward
over x [64, 100, 512] under torch.no_grad (all hidden states returned, as return_sequences), 2
untimed calls then --repeats timed ones. Prints `name: value` lines and a JSON last line.
"""
import argparse
import statistics
import time

from common import machine, report, torch_setup


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=100)
    a = ap.parse_args()
    torch, info = torch_setup(a.threads, 11)
    units = 512
    lstm = torch.nn.LSTM(units, units, batch_first=True)
    x = torch.rand(a.batch, a.steps, units) * 2 - 1
    ms = []
    with torch.no_grad():
        for _ in range(2):
            lstm(x)
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            lstm(x)
            ms.append((time.perf_counter() - t0) * 1e3)
    flop = 2.0 * a.batch * a.steps * 2 * units * 4 * units
    res = dict(workload="lstm512", framework="torch", threads=info["threads"], forward_ms_min=min(ms),
               forward_ms_median=statistics.median(ms), gflops_at_min=flop / 1e6 / min(ms), forward_ms=ms,
               info=info, machine=machine())
    for k in ("workload", "framework", "threads", "forward_ms_min", "forward_ms_median", "gflops_at_min"):
        print(f"{k}: {res[k]}")
    report(res)


if __name__ == "__main__":
    main()
