package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** L1, L2 and L1L2 weight penalties (Keras defaults λ = 0.01). */
public final class Regularizers {
    private Regularizers() {
    }

    /** λ₁·Σ|w| + λ₂·Σw². */
    public static Regularizer l1l2(double l1, double l2) {
        if (!(l1 >= 0) || !(l2 >= 0)) {
            throw new IllegalArgumentException("regularizer factors must be >= 0, got l1=" + l1 + " l2=" + l2);
        }
        return new Regularizer() {
            @Override
            public Tensor penalty(Tensor w) {
                Tensor p = null;
                if (l1 > 0) {
                    p = w.abs().sum().mul(l1);
                }
                if (l2 > 0) {
                    Tensor q = w.square().sum().mul(l2);
                    p = p == null ? q : p.add(q);
                }
                return p == null ? Tensor.zeros(w.backend(), w.dtype()) : p;
            }

            @Override
            public Map<String, Object> config() {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("class_name", "L1L2");
                Map<String, Object> args = new LinkedHashMap<>();
                args.put("l1", l1);
                args.put("l2", l2);
                c.put("config", args);
                return c;
            }
        };
    }

    /** λ·Σ|w|. */
    public static Regularizer l1(double l1) {
        return l1l2(l1, 0);
    }

    /** λ·Σw². */
    public static Regularizer l2(double l2) {
        return l1l2(0, l2);
    }

    /** Rebuilds from {@link Regularizer#config()} (null → null). */
    public static Regularizer fromConfig(Map<String, Object> cfg) {
        if (cfg == null) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) cfg.get("config");
        double l1 = c.get("l1") == null ? 0 : ((Number) c.get("l1")).doubleValue();
        double l2 = c.get("l2") == null ? 0 : ((Number) c.get("l2")).doubleValue();
        return l1l2(l1, l2);
    }
}
