package dev.lamina.serving;

/**
 * A request the server refuses: the HTTP status (400 bad input, 404 unknown model or version,
 * 405 wrong method, 503 nothing loaded or shutting down) and the message sent as {@code {"error": ...}}.
 */
public final class ServingException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public ServingException(int status, String message) {
        super(message);
        this.status = status;
    }

    public ServingException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status code. */
    public int status() {
        return status;
    }

    static ServingException badRequest(String message) {
        return new ServingException(400, message);
    }

    static ServingException notFound(String message) {
        return new ServingException(404, message);
    }
}
