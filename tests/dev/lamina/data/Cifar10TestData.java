package dev.lamina.data;

/** Small CIFAR-10 binary records for tests in other packages. */
public final class Cifar10TestData {
    private Cifar10TestData() {
    }

    /** {@code n} records starting at index {@code first} (see Cifar10Test.records). */
    public static byte[] records(int n, int first) {
        return Cifar10Test.records(n, first);
    }
}
