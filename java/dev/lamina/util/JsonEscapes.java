package dev.lamina.util;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * What {@link Json}'s writer escapes beyond Jackson's standard set, so that its output is the same as
 * the hand-written writer before it: control characters as lowercase <code>&#92;u00xx</code> (Jackson would
 * write uppercase hex), U+2028 and U+2029 (line separators that JavaScript source does not accept raw)
 * and, for a string that holds a lone surrogate (which UTF-8 cannot encode), every surrogate.
 */
final class JsonEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;

    /** Controls and U+2028/U+2029; surrogates written as they are. */
    static final JsonEscapes USUAL = new JsonEscapes(false);
    /** As {@link #USUAL}, and every surrogate as a <code>&#92;u</code> escape. */
    static final JsonEscapes SURROGATES_TOO = new JsonEscapes(true);

    private final boolean surrogates;
    private final int[] ascii;

    private JsonEscapes(boolean surrogates) {
        this.surrogates = surrogates;
        ascii = standardAsciiEscapesForJSON();
        for (int c = 0; c < 0x20; c++) {
            if (ascii[c] == ESCAPE_STANDARD) {   // \b \t \n \f \r keep their short escapes
                ascii[c] = ESCAPE_CUSTOM;
            }
        }
    }

    @Override
    public int[] getEscapeCodesForAscii() {
        return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
        if (ch < 0x20 || ch == 0x2028 || ch == 0x2029 || surrogates && Character.isSurrogate((char) ch)) {
            return new SerializedString(String.format("\\u%04x", ch));
        }
        return null;
    }

    /** True when {@code s} holds a surrogate that is not half of a proper pair. */
    static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
