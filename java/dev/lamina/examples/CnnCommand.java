package dev.lamina.examples;

import dev.lamina.cli.command.Command;
import dev.lamina.cli.command.Checks;
import dev.lamina.data.Cifar10;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code lamina cnn --cifar DIR}: trains the workshop CNN ({@link CifarCnn}) and prints its test accuracy. */
@CommandLine.Command(name = "cnn",
        header = "train the workshop CNN on CIFAR-10 and print the test accuracy",
        description = {
            "Trains the workshop CNN (Conv2D 32 → MaxPool → Conv2D 64 → MaxPool → Conv2D 64 → Dense 64 → Dense 10 "
                + "softmax; Adam, categorical cross-entropy) on CIFAR-10 in its binary format and prints the accuracy on "
                + "the test batch."},
        footer = "exit codes: 0 done, 2 bad usage or missing/unreadable CIFAR files")
public final class CnnCommand implements Command {
    // ---- the options of lamina cnn (picocli fills them) ----
    @Option(names = "--cifar", paramLabel = "DIR", required = true,
            description = "folder with data_batch_1.bin .. data_batch_5.bin and test_batch.bin")
    Path cifar;
    @Option(names = "--epochs", paramLabel = "N", description = "training epochs (default ${DEFAULT-VALUE})")
    int epochs = 10;
    @Option(names = "--batch-size", paramLabel = "N", description = "mini-batch size (default ${DEFAULT-VALUE})")
    int batchSize = 32;
    @Option(names = "--limit", paramLabel = "N", description = "use only the first N training and the first N test images")
    Integer limit;
    @Option(names = "--seed", paramLabel = "N", description = "seed of the weights and the shuffling (default ${DEFAULT-VALUE})")
    long seed = 42L;
    // ---- end of options ----

    @Override
    public int run(PrintStream out, PrintStream err) throws Exception {
        int epochs = Checks.range("--epochs", this.epochs, 1, 100_000);
        int batch = Checks.range("--batch-size", batchSize, 1, 1 << 20);
        int limit = Checks.range("--limit", this.limit, Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        Cifar10.Split data = Cifar10.load(cifar);
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
