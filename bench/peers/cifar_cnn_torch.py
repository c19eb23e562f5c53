"""The workshop's CIFAR CNN in PyTorch, a second reference point for cifar_cnn_keras.py.

Same network as cifar_cnn_keras.py (122,570 parameters): Conv2d(3, 32, 3) + ReLU -> MaxPool2d(2)
-> Conv2d(32, 64, 3) + ReLU -> MaxPool2d(2) -> Conv2d(64, 64, 3) + ReLU -> Flatten ->
Linear(1024, 64) + ReLU -> Linear(64, 10); Adam (lr 1e-3, eps 1e-7); cross-entropy on the logits
(torch's fused log-softmax + NLL, the same function as softmax + categorical cross-entropy on
one-hot labels). Glorot-uniform weights and zero biases, as Keras.

Layout: torch's native NCHW by default, random data of shape [N, 3, 32, 32] (the same numbers
of values as Keras's [N, 32, 32, 3]); --channels-last stores the images and the model in
torch.channels_last (NHWC in memory, the layout Keras and Lamina use).

For each batch size a fresh model is trained --warmup batches (left out), then --steps batches
are timed: images_per_second = batch * steps / wall time. The last line of the output is the JSON
report.
"""
import argparse
import time

import common


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch-sizes", default="32,64")
    ap.add_argument("--warmup", type=int, default=5, help="warm-up batches, not timed")
    ap.add_argument("--steps", type=int, default=50, help="timed batches")
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads; 0 = torch default")
    a = ap.parse_args()

    torch, info = common.torch_setup(a.threads, a.seed)
    nn = torch.nn
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format

    def build():
        m = nn.Sequential(
            nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
            nn.Linear(1024, 64), nn.ReLU(), nn.Linear(64, 10))
        with torch.no_grad():
            for layer in m:
                if isinstance(layer, (nn.Conv2d, nn.Linear)):
                    nn.init.xavier_uniform_(layer.weight)
                    layer.bias.zero_()
        return m.to(memory_format=fmt)

    loss_fn = nn.CrossEntropyLoss()
    results = []
    params = None
    for bs in [int(b) for b in a.batch_sizes.split(",")]:
        n = bs * (a.warmup + a.steps)
        x = torch.rand(n, 3, 32, 32).contiguous(memory_format=fmt)
        y = torch.randint(0, 10, (n,))
        model = build()
        params = sum(p.numel() for p in model.parameters())
        opt = torch.optim.Adam(model.parameters(), lr=a.learning_rate, eps=1e-7)

        def train(first, count):
            loss = float("nan")
            for s in range(first, first + count):
                xb, yb = x[s * bs:(s + 1) * bs], y[s * bs:(s + 1) * bs]
                opt.zero_grad(set_to_none=True)
                l = loss_fn(model(xb), yb)
                l.backward()
                opt.step()
                loss = l.detach()
            return float(loss)

        t0 = time.perf_counter()
        train(0, a.warmup)
        warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        loss = train(a.warmup, a.steps)
        seconds = time.perf_counter() - t0
        r = dict(batch_size=bs, warmup_batches=a.warmup, warmup_seconds=warm, steps=a.steps, seconds=seconds,
                 steps_per_second=a.steps / seconds, images_per_second=bs * a.steps / seconds, loss=loss)
        results.append(r)
        print(f"batch {bs}: {a.steps} steps in {seconds:.2f} s, {r['images_per_second']:.0f} images/s "
              f"({r['steps_per_second']:.1f} steps/s; warm-up {warm:.2f} s)")
    common.report(dict(benchmark="cifar_cnn", peer=info, machine=common.machine(), parameters=int(params),
                       layout="NHWC (channels_last)" if a.channels_last else "NCHW", results=results))


if __name__ == "__main__":
    main()
