package dev.lamina.util;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict checks of JSON configs read from files (saved models, forecaster.json), so a bad field is
 * an IllegalArgumentException naming the field and the file instead of a ClassCastException, a
 * NullPointerException or a silently changed value.
 *
 * <p>Two checks: {@link #checkKinds} compares each field's JSON type with what is expected (before
 * anything is built from the config), and {@link #checkRoundTrip} compares the config read with the
 * config of the object built from it: a field the object does not have is unknown, a number that
 * comes back different (3.7 read into an integer field comes back as 3) or a value of another JSON
 * type was not taken as written.
 */
public final class ConfigCheck {
    /** The JSON value types. */
    public enum Kind { NULL, STRING, BOOLEAN, INTEGER, NUMBER, LIST, OBJECT }

    private ConfigCheck() {
    }

    /** The JSON type of a parsed value ({@code INTEGER} for integral numbers). */
    public static Kind kind(Object v) {
        if (v == null) {
            return Kind.NULL;
        }
        if (v instanceof String) {
            return Kind.STRING;
        }
        if (v instanceof Boolean) {
            return Kind.BOOLEAN;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return Kind.INTEGER;
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 0x1p53 ? Kind.INTEGER : Kind.NUMBER;
        }
        if (v instanceof List) {
            return Kind.LIST;
        }
        if (v instanceof Map) {
            return Kind.OBJECT;
        }
        throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }

    private static String describe(Kind k) {
        switch (k) {
            case INTEGER: return "an integer";
            case NUMBER: return "a number";
            case BOOLEAN: return "a boolean (true or false)";
            case STRING: return "a string";
            case LIST: return "a list";
            case OBJECT: return "an object";
            default: return "null";
        }
    }

    private static String describe(Set<Kind> ks) {
        StringBuilder b = new StringBuilder();
        for (Kind k : ks) {
            if (k == Kind.NULL) {
                continue;
            }
            b.append(b.length() == 0 ? "" : " or ").append(describe(k));
        }
        return b.toString();
    }

    /** Whether a value of kind {@code got} serves where {@code allowed} are expected (an integer serves as a number). */
    private static boolean accepts(Set<Kind> allowed, Kind got) {
        return got == Kind.NULL || allowed.contains(got) || got == Kind.INTEGER && allowed.contains(Kind.NUMBER);
    }

    /**
     * Checks every field of {@code config} whose name is in {@code expected} against the JSON types
     * listed there, recursing into objects and lists of objects; a field of another type is an
     * IllegalArgumentException "{@code where}: field 'a.b' must be ..., got ...". Nulls pass (they
     * mean "the default"). Fields not in {@code expected} are left to {@link #checkRoundTrip}.
     */
    public static void checkKinds(String where, Map<?, ?> config, Map<String, Set<Kind>> expected) {
        checkKinds(where, "", config, expected);
    }

    private static void checkKinds(String where, String prefix, Map<?, ?> config, Map<String, Set<Kind>> expected) {
        for (Map.Entry<?, ?> e : config.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            Set<Kind> allowed = expected.get(key);
            Kind got = kind(v);
            if (allowed != null && !accepts(allowed, got)) {
                throw new IllegalArgumentException(where + ": field '" + prefix + key + "' must be " + describe(allowed)
                        + ", got " + Json.write(v));
            }
            if (v instanceof Map<?, ?> m) {
                checkKinds(where, prefix + key + ".", m, expected);
            } else if (v instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) {
                    if (l.get(i) instanceof Map<?, ?> m) {
                        checkKinds(where, prefix + key + "[" + i + "].", m, expected);
                    }
                }
            }
        }
    }

    /** {@link #checkKinds} with the expected types taken from a prototype config (a default object's). */
    public static void checkKindsLike(String where, Map<?, ?> config, Map<String, ?> prototype) {
        for (Map.Entry<?, ?> e : config.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!prototype.containsKey(key)) {
                throw new IllegalArgumentException(where + ": unknown field '" + key + "' (known: " + prototype.keySet() + ")");
            }
            Object p = prototype.get(key);
            Object v = e.getValue();
            if (p == null || v == null) {
                continue;
            }
            Kind pk = kind(p) == Kind.INTEGER && !(p instanceof Long || p instanceof Integer) ? Kind.NUMBER : kind(p);
            if (!accepts(EnumSet.of(pk), kind(v))) {
                throw new IllegalArgumentException(where + ": field '" + key + "' must be " + describe(pk) + ", got " + Json.write(v));
            }
            if (p instanceof List<?> pl && !pl.isEmpty() && v instanceof List<?> vl) {
                Kind ek = kind(pl.get(0));
                for (int i = 0; i < vl.size(); i++) {
                    if (!accepts(EnumSet.of(ek), kind(vl.get(i))) || vl.get(i) == null) {
                        throw new IllegalArgumentException(where + ": field '" + key + "[" + i + "]' must be " + describe(ek)
                                + ", got " + Json.write(vl.get(i)));
                    }
                }
            }
        }
    }

    /**
     * Compares a config as read ({@code in}) with the config of what was built from it
     * ({@code out}): every field of {@code in} must exist in {@code out}; numbers must come back
     * equal (relative 1e-6 for fractions, exactly for integers), booleans the same, lists and objects
     * element by element. A string read into an object field (an initializer given by name) or a
     * number into a list field (a kernel size given once for all axes) is the usual Keras shorthand
     * and passes; strings are not compared (names are normalized: "SAME" becomes "same").
     */
    public static void checkRoundTrip(String where, Map<?, ?> in, Map<?, ?> out) {
        roundTrip(where, "", in, out);
    }

    private static void roundTrip(String where, String prefix, Map<?, ?> in, Map<?, ?> out) {
        for (Map.Entry<?, ?> e : in.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!out.containsKey(key)) {
                throw new IllegalArgumentException(where + ": unknown field '" + prefix + key + "' (known: " + out.keySet() + ")");
            }
            compare(where, prefix + key, e.getValue(), out.get(key));
        }
    }

    private static void compare(String where, String field, Object a, Object b) {
        Kind ka = kind(a);
        Kind kb = kind(b);
        if (ka == Kind.NULL || kb == Kind.NULL) {
            return; // a default, or an option the object leaves unset
        }
        boolean numA = ka == Kind.INTEGER || ka == Kind.NUMBER;
        boolean numB = kb == Kind.INTEGER || kb == Kind.NUMBER;
        if (numA && numB) {
            double x = ((Number) a).doubleValue();
            double y = ((Number) b).doubleValue();
            boolean intField = b instanceof Long || b instanceof Integer;
            boolean same = intField ? x == y : x == y || Math.abs(x - y) <= 1e-6 * Math.max(Math.abs(x), Math.abs(y));
            if (!same) {
                throw new IllegalArgumentException(where + ": field '" + field + "' is " + Json.write(a) + " but "
                        + (intField ? "must be an integer (it would load as " + Json.write(b) + ")" : "loads as " + Json.write(b)));
            }
            return;
        }
        if (ka == kb) {
            if (ka == Kind.BOOLEAN && !a.equals(b)) {
                throw new IllegalArgumentException(where + ": field '" + field + "' is " + a + " but loads as " + b);
            }
            if (ka == Kind.OBJECT) {
                roundTrip(where, field + ".", (Map<?, ?>) a, (Map<?, ?>) b);
            }
            if (ka == Kind.LIST) {
                List<?> la = (List<?>) a;
                List<?> lb = (List<?>) b;
                if (la.size() == lb.size()) {
                    for (int i = 0; i < la.size(); i++) {
                        compare(where, field + "[" + i + "]", la.get(i), lb.get(i));
                    }
                }
            }
            return;
        }
        if (ka == Kind.STRING && kb == Kind.OBJECT || numA && kb == Kind.LIST) {
            return; // Keras shorthands: an initializer by name, one size for all axes
        }
        throw new IllegalArgumentException(where + ": field '" + field + "' must be " + describe(kb) + ", got " + Json.write(a));
    }
}
