package dev.lamina.backend.cuda;

/**
 * A CUDA call failed. The message is {@code "<op>: <cudaErrorName> (<description>)"}; the op and
 * the CUDA error's name and code are also available on their own. Running out of device memory
 * is the subclass {@link CudaOutOfMemoryException}.
 */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String op;
    private final String errorName;
    private final int code;

    public CudaException(String op, int code, String errorName, String description) {
        super(op + ": " + errorName + (description == null || description.isEmpty() ? "" : " (" + description + ")"));
        this.op = op;
        this.code = code;
        this.errorName = errorName;
    }

    /** The operation that failed, e.g. "cuda.allocate: cudaMalloc". */
    public String op() {
        return op;
    }

    /** The CUDA error's name, e.g. "cudaErrorMemoryAllocation". */
    public String errorName() {
        return errorName;
    }

    /** The numeric {@code cudaError_t}. */
    public int code() {
        return code;
    }
}
