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
 * <p>Other threads: a scope belongs to the thread that opened it. Tensors created on another thread
 * (a worker of a parallel stream, an executor task) belong to that thread's own innermost scope, or
 * to none. To make them belong to this scope, run the worker's code inside {@link #attach()}:
 * <pre>{@code
 * try (Scope scope = Scope.open()) {
 *     rows.parallelStream().forEach(r -> {
 *         try (Scope.Attachment a = scope.attach()) {
 *             ... tensors made here are closed with scope ...
 *         }
 *     });
 * }
 * }</pre>
 * Tensors that belong to no scope are freed by {@link Tensor#close()}, or, once unreachable, by the
 * garbage collector's cleaner ({@link dev.lamina.backend.NativeMemory}), which is slower and not
 * deterministic.
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
    private volatile boolean closed;

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
            s.add(t);
        }
    }

    /** Adds t to the owned tensors; a scope closed meanwhile (an attached worker outliving it) owns nothing. */
    private synchronized void add(Tensor t) {
        if (!closed) {
            owned.add(t);
        }
    }

    /**
     * Makes the tensors the calling thread creates belong to this scope until the returned handle
     * is closed (on the same thread). For worker threads: see the class comment. Scopes the worker
     * opens inside nest in this one. IllegalStateException when the scope is closed.
     */
    public Attachment attach() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("Scope.attach: scope already closed");
            }
        }
        STACK.get().push(this);
        return new Attachment(this);
    }

    /** The handle of {@link #attach()}: closing it detaches the thread. */
    public static final class Attachment implements AutoCloseable {
        private final Scope scope;
        private final Thread thread = Thread.currentThread();
        private boolean closed;

        private Attachment(Scope scope) {
            this.scope = scope;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            if (Thread.currentThread() != thread) {
                throw new IllegalStateException("Scope.Attachment.close: must be closed on the thread that attached");
            }
            ArrayDeque<Scope> stack = STACK.get();
            if (stack.peek() != scope) {
                throw new IllegalStateException("Scope.Attachment.close: scopes opened after attach must close first");
            }
            stack.pop();
            closed = true;
        }
    }

    /** Exempts {@code t} from this scope's close; returns t. */
    public synchronized <T extends Tensor> T keep(T t) {
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
    public synchronized int liveCount() {
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
        List<Tensor> mine;
        Set<Tensor> keep;
        synchronized (this) {
            closed = true;
            mine = new ArrayList<>(owned);
            keep = Collections.newSetFromMap(new IdentityHashMap<>());
            keep.addAll(kept);
            owned.clear();
            kept.clear();
        }
        Scope parent = stack.peek();
        Throwable failure = null;
        for (Tensor t : mine) {
            if (keep.contains(t)) {
                if (parent != null) {
                    parent.add(t);
                }
            } else {
                try {
                    t.close();
                } catch (RuntimeException | Error e) {   // close every tensor, then report the first failure
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        } else if (failure instanceof Error er) {
            throw er;
        }
    }
}
