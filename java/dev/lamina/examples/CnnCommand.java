package dev.lamina.examples;

import dev.lamina.cli.Command;
import dev.lamina.cli.Options;
import dev.lamina.cli.UsageException;
import dev.lamina.data.Cifar10;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code lamina cnn --cifar DIR}: trains the workshop CNN ({@link CifarCnn}) and prints its test accuracy. */
public final class CnnCommand implements Command {
    @Override
    public String name() {
        return "cnn";
    }

    @Override
    public String summary() {
        return "train the workshop CNN on CIFAR-10 and print the test accuracy";
    }

    @Override
    public String help() {
        return """
                usage: lamina cnn --cifar DIR [--epochs N] [--batch-size N] [--limit N] [--seed N]

                Trains the workshop CNN (Conv2D 32 → MaxPool → Conv2D 64 → MaxPool → Conv2D 64 →
                Dense 64 → Dense 10 softmax; Adam, categorical cross-entropy) on CIFAR-10 in its
                binary format and prints the accuracy on the test batch.

                options:
                  --cifar DIR       folder with data_batch_1.bin .. data_batch_5.bin and test_batch.bin
                  --epochs N        training epochs (default 10)
                  --batch-size N    mini-batch size (default 32)
                  --limit N         use only the first N training and the first N test images
                  --seed N          seed of the weights and the shuffling (default 42)

                exit codes: 0 done, 2 bad usage or missing/unreadable CIFAR files
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        Options o = Options.parse(args, Set.of("cifar", "epochs", "batch-size", "limit", "seed"), Set.of());
        if (!o.positional().isEmpty()) {
            throw new UsageException("unexpected argument " + o.positional().get(0));
        }
        if (!o.has("cifar")) {
            throw new UsageException("--cifar DIR is required");
        }
        int epochs = o.getInt("epochs", 10, 1, 100_000);
        int batch = o.getInt("batch-size", 32, 1, 1 << 20);
        int limit = o.getInt("limit", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        long seed = o.getLong("seed", 42L);
        Cifar10.Split data = Cifar10.load(Path.of(o.get("cifar", null)));
        Cifar10 train = data.train().limit(limit);
        Cifar10 test = data.test().limit(limit);
        out.printf(Locale.ROOT, "cifar-10: %d training and %d test images, %d epochs, batch %d%n", train.size(),
                test.size(), epochs, batch);
        long t0 = System.nanoTime();
        double acc = CifarCnn.trainAndEvaluate(train, test, epochs, batch, seed, out);
        out.printf(Locale.ROOT, "test accuracy %.4f (%d images), %.1f s%n", acc, test.size(), (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
