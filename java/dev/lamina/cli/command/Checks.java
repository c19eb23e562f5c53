package dev.lamina.cli.command;

/**
 * Range checks of option values that picocli has already converted, with the messages the
 * commands have always given ("--window must be between 1 and 520, got 0").
 */
public final class Checks {
    private Checks() {
    }

    /**
     * An integer option within [min, max].
     *
     * @param option the option's name, with its dashes
     * @param value the parsed value
     * @param min smallest value allowed
     * @param max largest value allowed
     * @return {@code value}
     * @throws UsageException when {@code value} is outside [min, max]
     */
    public static int range(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new UsageException(option + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /**
     * An optional integer option: {@code dflt} when absent, else {@link #range(String, int, int, int)}.
     *
     * @param option the option's name, with its dashes
     * @param value the parsed value, or null when the option was not given
     * @param dflt the value when absent (not range-checked)
     * @param min smallest value allowed
     * @param max largest value allowed
     * @return the value or the default
     */
    public static int range(String option, Integer value, int dflt, int min, int max) {
        return value == null ? dflt : range(option, value.intValue(), min, max);
    }

    /**
     * A string option that must be one of a few words.
     *
     * @param option the option's name, with its dashes
     * @param value the given value
     * @param allowed the accepted words
     * @return {@code value}
     * @throws UsageException naming the accepted words when {@code value} is not one of them
     */
    public static String oneOf(String option, String value, String... allowed) {
        for (String a : allowed) {
            if (a.equals(value)) {
                return value;
            }
        }
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < allowed.length; i++) {
            words.append(i == 0 ? "" : i == allowed.length - 1 ? " or " : ", ").append(allowed[i]);
        }
        throw new UsageException(option + " must be " + words + ", got " + value);
    }
}
