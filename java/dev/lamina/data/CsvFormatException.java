package dev.lamina.data;

/**
 * A CSV file that cannot be read as a table, or a value that cannot be read as the type asked
 * for. The message names the file and the 1-based line number; {@link #source()} and
 * {@link #line()} give them to code.
 */
public final class CsvFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final long line;

    /**
     * @param source the file (or other source name) being read
     * @param line   the 1-based line number of the offending record, or 0 when not tied to a line
     * @param detail what is wrong
     */
    public CsvFormatException(String source, long line, String detail) {
        super(source + (line > 0 ? ":" + line : "") + ": " + detail);
        this.source = source;
        this.line = line;
    }

    /** The file (or source name) being read. */
    public String source() {
        return source;
    }

    /** The 1-based line number of the offending record, or 0 when the error is not tied to a line. */
    public long line() {
        return line;
    }
}
