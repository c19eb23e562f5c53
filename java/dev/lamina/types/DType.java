package dev.lamina.types;

/** Element types a tensor can hold. Sizes are in bytes; all data is little-endian. */
public enum DType {
    FLOAT32(4, "float32"),
    FLOAT64(8, "float64"),
    INT32(4, "int32"),
    INT64(8, "int64"),
    BOOL(1, "bool");

    private final int size;
    private final String label;

    DType(int size, String label) {
        this.size = size;
        this.label = label;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT64;
    }

    public boolean isInteger() {
        return this == INT32 || this == INT64;
    }

    /** The TensorFlow/NumPy name: float32, int64, bool, ... */
    @Override
    public String toString() {
        return label;
    }
}
