package dev.lamina.graph;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Storage;
import dev.lamina.backend.cuda.CudaGraphCapture;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A graph's replay with its runs of kernel nodes captured once and then launched as one (CUDA graphs
 * on the cuda backend, {@link CudaGraphCapture}).
 *
 * <p>A captured graph keeps the device addresses it was captured with, so this replay works on
 * storages that never change: every input is first copied into a buffer of the graph, every output
 * that a replay makes is written into a buffer of the graph and then copied into the new output
 * tensor, and an input the graph writes is copied back. Host steps (host values, host effects,
 * uploads) and kernels whose scalar arguments are host values (a learning-rate schedule) run between
 * the captured segments, on the same stream, node by node. A capture that fails (a call that cannot
 * be captured, a CUDA error) turns capture off for the graph, logged once: its segments then run node
 * by node, with the same results.
 */
final class CapturedReplay implements AutoCloseable {
    /** What captures a run of backend calls: CUDA graphs, or a stand-in in tests. */
    interface Capturer {
        /**
         * Captures {@code calls} without running them.
         *
         * @param calls the calls
         * @return what runs them when launched
         */
        Segment capture(Runnable calls);
    }

    /** A captured run of calls. */
    interface Segment extends AutoCloseable {
        /** Runs the captured calls (queued on the backend's stream). */
        void launch();

        @Override
        void close();
    }

    /** The capturer of the cuda backend (real devices only; see {@link CudaGraphCapture#unsupportedReason}). */
    static final Capturer CUDA = calls -> {
        CudaGraphCapture.Segment s = CudaGraphCapture.capture(calls);
        return new Segment() {
            @Override
            public void launch() {
                s.launch();
            }

            @Override
            public void close() {
                s.close();
            }
        };
    };

    private static final double[] NO_HOST_VALUES = new double[0];

    private final String name;
    private final Backend backend;
    private final List<Value> values;
    private final List<Node> nodes;
    private final int[] inputValues;
    private final int[] outputValues;
    private final long[][] outputShapes;
    private final int hostSlots;
    private final Capturer capturer;
    /** the storages of every value at every replay: inputs and outputs replaced by the graph's own buffers */
    private final Storage[] fixed;
    private final boolean[] outSlot;
    private final boolean[] inputWritten;
    private final Storage[][] args;
    /** start and end (exclusive) node index of each captured run */
    private final List<int[]> runs = new ArrayList<>();
    private final List<Segment> segments = new ArrayList<>();
    private final List<Storage> owned = new ArrayList<>();
    private String captureOff;
    private int launches;

    CapturedReplay(String name, Backend backend, List<Value> values, List<Node> nodes, Storage[] base, int[] inputValues,
                   int[] outputValues, long[][] outputShapes, int hostSlots, Capturer capturer) {
        this.name = name;
        this.backend = backend;
        this.values = values;
        this.nodes = nodes;
        this.inputValues = inputValues;
        this.outputValues = outputValues;
        this.outputShapes = outputShapes;
        this.hostSlots = hostSlots;
        this.capturer = capturer;
        this.fixed = base.clone();
        this.outSlot = new boolean[values.size()];
        this.inputWritten = new boolean[values.size()];
        try {
            for (int v : inputValues) {
                fixed[v] = buffer(values.get(v));
            }
            for (int o : outputValues) {
                Value v = values.get(o);
                if (v.kind == Value.Kind.INTERNAL && fixed[o] == null) {
                    fixed[o] = buffer(v);
                    outSlot[o] = true;
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        args = new Storage[nodes.size()][];
        int start = -1;
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            Storage[] a = new Storage[n.vals.length];
            for (int j = 0; j < a.length; j++) {
                a[j] = n.vals[j] < 0 ? null : fixed[n.vals[j]];
                if (n.vals[j] >= 0 && n.writes[j] && values.get(n.vals[j]).kind == Value.Kind.INPUT) {
                    inputWritten[n.vals[j]] = true;
                }
            }
            args[i] = a;
            if (capturable(n)) {
                if (start < 0) {
                    start = i;
                }
            } else if (start >= 0) {
                runs.add(new int[] {start, i});
                start = -1;
            }
        }
        if (start >= 0) {
            runs.add(new int[] {start, nodes.size()});
        }
    }

    /**
     * Kernels whose arguments were fixed when traced: not host steps, not uploads (a host copy), not
     * kernels reading a host value.
     */
    static boolean capturable(Node n) {
        return !n.isHost() && !n.hostDependent && n.kind != Node.Kind.UPLOAD_CONST;
    }

    private Storage buffer(Value v) {
        Storage s = backend.allocateUninitialized(v.dtype, v.numel);
        owned.add(s);
        return s;
    }

    private void copy(Storage src, Storage dst, long numel) {
        if (numel > 0) {
            backend.copyStrided(src, 0, new long[] {1}, dst, 0, new long[] {1}, new long[] {numel});
        }
    }

    /** @return the captured runs of kernel nodes */
    int segmentCount() {
        return runs.size();
    }

    /** @return how many captured segments were launched (0 while capture is off) */
    int launches() {
        return launches;
    }

    /** @return why capture was turned off for this graph, or null */
    String captureOff() {
        return captureOff;
    }

    Tensor[] run(Tensor[] inputs) {
        for (int v : inputValues) {
            copy(inputs[values.get(v).inputIndex].storage(), fixed[v], values.get(v).numel);
        }
        double[] host = new double[hostSlots];
        int r = 0;
        for (int i = 0; i < nodes.size(); ) {
            if (r < runs.size() && runs.get(r)[0] == i) {
                int[] run = runs.get(r);
                runSegment(r, run[0], run[1]);
                i = run[1];
                r++;
            } else {
                nodes.get(i).exec.run(backend, args[i], host);
                i++;
            }
        }
        for (int v : inputValues) {
            if (inputWritten[v]) {
                copy(fixed[v], inputs[values.get(v).inputIndex].storage(), values.get(v).numel);
            }
        }
        Tensor[] out = new Tensor[outputValues.length];
        List<Storage> fresh = new ArrayList<>();
        try {
            for (int k = 0; k < out.length; k++) {
                int o = outputValues[k];
                Value v = values.get(o);
                Storage s;
                if (v.kind == Value.Kind.INPUT) {
                    s = inputs[v.inputIndex].storage();
                    s.retain();
                } else if (outSlot[o]) {
                    s = backend.allocateUninitialized(v.dtype, v.numel);
                    fresh.add(s);
                    copy(fixed[o], s, v.numel);
                } else {
                    s = fixed[o];
                    s.retain(); // a weight or a constant
                }
                out[k] = new GraphTensor(s, outputShapes[k]);
            }
        } catch (RuntimeException e) {
            for (Storage s : fresh) {
                s.release();
            }
            throw e;
        }
        return out;
    }

    private void runSegment(int r, int from, int to) {
        Runnable calls = () -> {
            for (int i = from; i < to; i++) {
                nodes.get(i).exec.run(backend, args[i], NO_HOST_VALUES);
            }
        };
        if (captureOff == null && segments.size() == r) {
            try {
                segments.add(capturer.capture(calls));
            } catch (RuntimeException e) {
                captureOff = e.getMessage() == null ? e.toString() : e.getMessage();
                TracedFunction.logOnce(name, "replays node by node: capturing it failed (" + captureOff + ")");
                closeSegments();
            }
        }
        if (captureOff == null) {
            segments.get(r).launch();
            launches++;
        } else {
            calls.run();
        }
    }

    private void closeSegments() {
        for (Segment s : segments) {
            s.close();
        }
        segments.clear();
    }

    /** Destroys the captured segments and frees the graph's input and output buffers. */
    @Override
    public void close() {
        closeSegments();
        for (Storage s : owned) {
            s.release();
        }
        owned.clear();
    }
}
