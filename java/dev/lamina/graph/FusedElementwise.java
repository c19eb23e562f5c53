package dev.lamina.graph;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.HostStorage;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.backend.cpu.CpuKernels;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.reference.ReferenceBackend;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A chain of element-wise ops run as one pass over memory: a small program of unary and binary
 * ops evaluated per element, each result rounded to the dtype exactly as the unfused kernel would
 * store it, so the fused result is bitwise the unfused chain's.
 *
 * <p>Registers 0 .. inputs−1 hold the inputs' elements (an input marked scalar is one element
 * broadcast to all); register inputs + i holds instruction i's result; the last instruction's
 * result is the output.
 */
final class FusedElementwise {
    /** The most registers (inputs plus instructions) a program may use (the C++ kernel's bound). */
    static final int MAX_REGISTERS = 64;
    private FusedElementwise() {
    }

    /**
     * Whether {@code backend} runs fused programs (else the graph keeps the chain unfused): the
     * reference backend (Java, below), the cpu backend (C++, cpu-kernels/lamina_fused.hpp) and the
     * cuda backend (cuda-kernels/fused.cu).
     */
    static boolean supports(Backend backend) {
        return backend instanceof ReferenceBackend || backend instanceof CpuBackend || backend instanceof CudaBackend;
    }

    /** An expression tree over input values, built by the fusion pass. */
    abstract static class Expr {
    }

    /** An input: a graph value, whole or one element broadcast. */
    static final class In extends Expr {
        final int value;
        final boolean scalar;

        In(int value, boolean scalar) {
            this.value = value;
            this.scalar = scalar;
        }
    }

    /** A unary (b == null) or binary op on sub-expressions. */
    static final class Op extends Expr {
        final UnaryOp unary;
        final BinaryOp binary;
        final Expr a;
        final Expr b;

        Op(UnaryOp unary, BinaryOp binary, Expr a, Expr b) {
            this.unary = unary;
            this.binary = binary;
            this.a = a;
            this.b = b;
        }
    }

    /** A linear program: {@code code} holds 4 ints per instruction (kind 0 unary / 1 binary, op code, a, b). */
    static final class Program {
        final int[] inputValues;
        final boolean[] inputScalar;
        final int[] code;
        final DType dtype;
        final long numel;

        Program(int[] inputValues, boolean[] inputScalar, int[] code, DType dtype, long numel) {
            this.inputValues = inputValues;
            this.inputScalar = inputScalar;
            this.code = code;
            this.dtype = dtype;
            this.numel = numel;
        }

        int instructions() {
            return code.length / 4;
        }

        int registers() {
            return inputValues.length + instructions();
        }

        /** e.g. {@code r2 = MUL(r0, r1); r3 = TANH(r2)}. */
        String describe() {
            StringBuilder s = new StringBuilder();
            int n = inputValues.length;
            for (int i = 0; i < code.length / 4; i++) {
                if (i > 0) {
                    s.append("; ");
                }
                s.append('r').append(n + i).append('=');
                if (code[4 * i] == 0) {
                    s.append(UnaryOp.values()[code[4 * i + 1]]).append("(r").append(code[4 * i + 2]).append(')');
                } else {
                    s.append(BinaryOp.values()[code[4 * i + 1]]).append("(r").append(code[4 * i + 2]).append(",r")
                            .append(code[4 * i + 3]).append(')');
                }
            }
            return s.toString();
        }

        static Program compile(Expr root, DType dtype, long numel) {
            List<In> ins = new ArrayList<>();
            List<int[]> code = new ArrayList<>();
            Map<Expr, Integer> regs = new IdentityHashMap<>();
            collectInputs(root, ins, regs);
            int[] next = {ins.size()};
            emit(root, regs, code, next);
            int[] iv = new int[ins.size()];
            boolean[] sc = new boolean[ins.size()];
            for (int i = 0; i < iv.length; i++) {
                iv[i] = ins.get(i).value;
                sc[i] = ins.get(i).scalar;
            }
            int[] flat = new int[code.size() * 4];
            for (int i = 0; i < code.size(); i++) {
                System.arraycopy(code.get(i), 0, flat, 4 * i, 4);
            }
            return new Program(iv, sc, flat, dtype, numel);
        }

        private static void collectInputs(Expr e, List<In> ins, Map<Expr, Integer> regs) {
            if (e instanceof In) {
                In in = (In) e;
                if (regs.containsKey(in)) {
                    return;
                }
                for (int i = 0; i < ins.size(); i++) {
                    if (ins.get(i).value == in.value && ins.get(i).scalar == in.scalar) {
                        regs.put(in, i);
                        return;
                    }
                }
                regs.put(in, ins.size());
                ins.add(in);
            } else {
                Op op = (Op) e;
                collectInputs(op.a, ins, regs);
                if (op.b != null) {
                    collectInputs(op.b, ins, regs);
                }
            }
        }

        private static int emit(Expr e, Map<Expr, Integer> regs, List<int[]> code, int[] next) {
            Integer r = regs.get(e);
            if (r != null) {
                return r;
            }
            Op op = (Op) e;
            int a = emit(op.a, regs, code, next);
            int b = op.b != null ? emit(op.b, regs, code, next) : 0;
            code.add(op.b == null ? new int[] {0, op.unary.code(), a, 0} : new int[] {1, op.binary.code(), a, b});
            int reg = next[0]++;
            regs.put(e, reg);
            return reg;
        }
    }

    /** Runs the program; {@code s} holds the input storages then the output storage. */
    static void run(Backend backend, Program p, Storage[] s) {
        if (backend instanceof ReferenceBackend) {
            runReference(p, s);
        } else if (backend instanceof CpuBackend) {
            runCpu(p, s);
        } else if (backend instanceof CudaBackend) {
            ((CudaBackend) backend).fusedElementwise(java.util.Arrays.copyOf(s, p.inputValues.length), p.inputScalar,
                    p.code, s[p.inputValues.length]);
        } else {
            throw new IllegalStateException("no fused element-wise kernel on backend " + backend.name());
        }
    }

    /** The C++ kernel: the same per-op scalar functions as the cpu unary and binary kernels. */
    static void runCpu(Program p, Storage[] s) {
        int nIn = p.inputValues.length;
        long[] addr = new long[nIn];
        int[] scalar = new int[nIn];
        for (int i = 0; i < nIn; i++) {
            s[i].pin();
        }
        s[nIn].pin();
        try {
            for (int i = 0; i < nIn; i++) {
                addr[i] = ((HostStorage) s[i]).pointer().address();
                scalar[i] = p.inputScalar[i] ? 1 : 0;
            }
            int rc = CpuKernels.lamina_cpu_fused_elementwise(p.dtype.ordinal(), nIn, addr, scalar, p.code, p.instructions(),
                    ((HostStorage) s[nIn]).pointer(), p.numel);
            if (rc != CpuKernels.OK) {
                throw new IllegalStateException("cpu fused element-wise kernel failed with code " + rc + " (" + p.describe() + ")");
            }
        } finally {
            s[nIn].unpin();
            for (int i = 0; i < nIn; i++) {
                s[i].unpin();
            }
        }
    }

    /** The oracle's loop: each op in float64 through the reference backend's own functions, then rounded. */
    static void runReference(Program p, Storage[] s) {
        int nIn = p.inputValues.length;
        ByteBuffer[] in = new ByteBuffer[nIn];
        for (int i = 0; i < nIn; i++) {
            in[i] = ((HostStorage) s[i]).buffer();
        }
        ByteBuffer out = ((HostStorage) s[nIn]).buffer();
        boolean f32 = p.dtype == DType.FLOAT32;
        int w = f32 ? 4 : 8;
        double[] r = new double[nIn + p.instructions()];
        int[] code = p.code;
        UnaryOp[] uops = UnaryOp.values();
        BinaryOp[] bops = BinaryOp.values();
        for (long e = 0; e < p.numel; e++) {
            for (int i = 0; i < nIn; i++) {
                int at = Math.toIntExact((p.inputScalar[i] ? 0 : e) * w);
                r[i] = f32 ? in[i].getFloat(at) : in[i].getDouble(at);
            }
            for (int k = 0, reg = nIn; k < code.length; k += 4, reg++) {
                double v = code[k] == 0 ? ReferenceBackend.unaryFloat(uops[code[k + 1]], r[code[k + 2]])
                        : ReferenceBackend.binaryFloat(bops[code[k + 1]], r[code[k + 2]], r[code[k + 3]]);
                r[reg] = f32 ? (double) (float) v : v;
            }
            int at = Math.toIntExact(e * w);
            if (f32) {
                out.putFloat(at, (float) r[r.length - 1]);
            } else {
                out.putDouble(at, r[r.length - 1]);
            }
        }
    }
}
