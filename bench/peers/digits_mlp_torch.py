"""The digits MLP in PyTorch, a second reference point for digits_mlp_keras.py.

Same data and split as digits_mlp_keras.py: Linear(64, 64) + ReLU -> Linear(64, 10), glorot-uniform
weights and zero biases (Keras's defaults), Adam (lr 1e-3, eps 1e-7), cross-entropy on the logits
(torch's fused log-softmax + NLL, the same function as Keras's softmax + sparse categorical
cross-entropy), batch 32, training rows reshuffled every epoch (--no-shuffle: in order).

Measures: one warm-up epoch (left out), then the wall time of --epochs epochs of the plain
training loop; steps_per_second and samples_per_second; test accuracy as a sanity check. The last
line of the output is the JSON report.
"""
import argparse
import time

import common


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=20, help="timed epochs (after one warm-up epoch)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--no-shuffle", action="store_true")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads; 0 = torch default")
    a = ap.parse_args()

    torch, info = common.torch_setup(a.threads, a.seed)
    nn = torch.nn
    x, y = common.load_digits()
    n_train = common.chronological_split(len(x), 0.8)
    x_tr, y_tr = torch.from_numpy(x[:n_train]), torch.from_numpy(y[:n_train])
    x_te, y_te = torch.from_numpy(x[n_train:]), torch.from_numpy(y[n_train:])

    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    with torch.no_grad():
        for m in model:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                m.bias.zero_()
    opt = torch.optim.Adam(model.parameters(), lr=a.learning_rate, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    bs = a.batch_size
    shuffle = not a.no_shuffle

    def epoch():
        order = torch.randperm(n_train) if shuffle else torch.arange(n_train)
        total = 0.0
        for i in range(0, n_train, bs):
            idx = order[i:i + bs]
            opt.zero_grad(set_to_none=True)
            l = loss_fn(model(x_tr[idx]), y_tr[idx])
            l.backward()
            opt.step()
            total += l.item() * len(idx)
        return total / n_train

    t0 = time.perf_counter()
    epoch()
    warmup_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    loss = float("nan")
    for _ in range(a.epochs):
        loss = epoch()
    seconds = time.perf_counter() - t0
    steps = a.epochs * (-(-n_train // bs))
    with torch.no_grad():
        logits = model(x_te)
        test_loss = float(loss_fn(logits, y_te))
        test_acc = float((logits.argmax(1) == y_te).float().mean())
    print(f"torch {info['torch']} ({info['threads']} threads): digits MLP, {n_train} train / {len(x_te)} test rows")
    print(f"fit: {seconds:.2f} s for {a.epochs} epochs ({steps} steps, {steps / seconds:.0f} steps/s, "
          f"{a.epochs * n_train / seconds:.0f} samples/s); warm-up epoch {warmup_seconds:.2f} s; "
          f"test accuracy {test_acc:.4f}")
    common.report(dict(
        benchmark="digits_mlp", peer=info, machine=common.machine(),
        settings=dict(epochs=a.epochs, batch_size=bs, learning_rate=a.learning_rate, shuffle=shuffle, seed=a.seed),
        train_rows=n_train, test_rows=len(x_te), warmup_seconds=warmup_seconds, fit_seconds=seconds,
        train_steps=steps, steps_per_second=steps / seconds, samples_per_second=a.epochs * n_train / seconds,
        final_loss=loss, test_loss=test_loss, test_accuracy=test_acc))


if __name__ == "__main__":
    main()
