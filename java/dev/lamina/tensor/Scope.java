package dev.lamina.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A lifetime for tensors. Every tensor created on this thread while the scope is the innermost
 * open one belongs to it and is closed when the scope closes, unless it was {@link #keep kept}
 * (then it moves to the enclosing scope, or to nobody when there is none).
 *
 * <pre>{@code
 * try (Scope scope = Scope.open()) {
 *     Tensor y = x.matmul(w).add(b).relu();
 *     return scope.keep(y);      // everything else created here is freed
 * }
 * }</pre>
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final List<Tensor> owned = new ArrayList<>();
    private final Set<Tensor> kept = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    private Scope() {
    }

    /** Opens a scope nested in the current one. */
    public static Scope open() {
        Scope s = new Scope();
        STACK.get().push(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    static Scope current() {
        return STACK.get().peek();
    }

    static void register(Tensor t) {
        Scope s = STACK.get().peek();
        if (s != null) {
            s.owned.add(t);
        }
    }

    /** Exempts {@code t} from this scope's close; returns t. */
    public <T extends Tensor> T keep(T t) {
        if (closed) {
            throw new IllegalStateException("Scope.keep: scope already closed");
        }
        kept.add(t);
        return t;
    }

    /** Exempts every tensor given from this scope's close. */
    public void keep(Tensor... ts) {
        for (Tensor t : ts) {
            keep(t);
        }
    }

    /** Number of tensors created in this scope and still open. */
    public int liveCount() {
        int n = 0;
        for (Tensor t : owned) {
            if (!t.isClosed()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("Scope.close: a scope must be closed on the thread that opened it");
        }
        ArrayDeque<Scope> stack = STACK.get();
        if (stack.peek() != this) {
            throw new IllegalStateException("Scope.close: scopes must close innermost first");
        }
        stack.pop();
        closed = true;
        Scope parent = stack.peek();
        for (Tensor t : owned) {
            if (kept.contains(t)) {
                if (parent != null) {
                    parent.owned.add(t);
                }
            } else {
                t.close();
            }
        }
        owned.clear();
        kept.clear();
    }
}
