import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cu2Cpp: rewrites CUDA {@code .cu} files into host C++ for the emulated device
 * ({@code cuda-kernels/emu/cudaemu.hpp}). A single-file program for the JDK's source launcher:
 *
 * <pre>java cuda-kernels/emu/Cu2Cpp.java OUT_DIR a.cu b.cu ...   (writes OUT_DIR/a.cpp, OUT_DIR/b.cpp)</pre>
 *
 * Three rewrites, nothing else (every other CUDA keyword is a macro or function of cudaemu.hpp):
 * <ul>
 *   <li>{@code kernel<<<grid, block[, smem[, stream]]>>>(args)} becomes
 *       {@code cudaemu::launch(cudaemu::cfg(grid, block, ...), "kernel", __FILE__, __LINE__, kernel, args)};
 *   <li>{@code asm [volatile] ("tmpl" : outs : ins)} becomes a call of the PTX interpreter,
 *       {@code cudaemu::asm_stmt("tmpl", {cudaemu::asm_out("=r", x), ...}, {cudaemu::asm_in("f", y), ...}, __FILE__, __LINE__)};
 *   <li>{@code __shared__ T name[N];} becomes {@code static T name[N]; cudaemu::shared_decl(...)} (one
 *       copy per kernel instantiation, shared by the fibers of the running block and poisoned at the
 *       start of every block); {@code extern __shared__ T name[];} points into the launch's dynamic
 *       shared memory.
 * </ul>
 * The output starts with a {@code #line 1 "file.cu"} directive and every rewrite keeps the number of
 * newlines of what it replaces, so compiler messages and emulator reports name the {@code .cu} file
 * and line. Comments and string literals are masked before matching, so code in them is left alone.
 */
public final class Cu2Cpp {
    private Cu2Cpp() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: java Cu2Cpp.java OUT_DIR FILE.cu...");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        for (int i = 1; i < args.length; i++) {
            Path in = Path.of(args[i]).toAbsolutePath();
            String name = in.getFileName().toString().replaceFirst("\\.cu$", "") + ".cpp";
            String src = Files.readString(in, StandardCharsets.UTF_8);
            String res;
            try {
                res = translate(src);
            } catch (RuntimeException e) {
                System.err.println("cu2cpp: " + in + ": " + e.getMessage());
                System.exit(1);
                return;
            }
            Files.writeString(out.resolve(name), "#line 1 \"" + in + "\"\n" + res, StandardCharsets.UTF_8);
        }
    }

    /** The three rewrites of the class comment, in order: launches, inline PTX, shared memory. */
    static String translate(String src) {
        return rewriteShared(rewriteAsm(rewriteLaunches(src)));
    }

    /** src with comments and the contents of string/char literals blanked (same length, newlines kept). */
    static String mask(String src) {
        char[] out = src.toCharArray();
        int n = src.length();
        int i = 0;
        while (i < n) {
            char c = src.charAt(i);
            if (src.startsWith("//", i)) {
                int j = src.indexOf('\n', i);
                j = j < 0 ? n : j;
                for (int k = i; k < j; k++) {
                    out[k] = ' ';
                }
                i = j;
            } else if (src.startsWith("/*", i)) {
                int j = src.indexOf("*/", i + 2);
                j = j < 0 ? n : j + 2;
                for (int k = i; k < j; k++) {
                    if (out[k] != '\n') {
                        out[k] = ' ';
                    }
                }
                i = j;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && src.charAt(j) != c) {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                for (int k = i + 1; k < Math.min(j, n); k++) {
                    out[k] = ' ';
                }
                i = j + 1;
            } else {
                i++;
            }
        }
        return new String(out);
    }

    /** Index of the bracket that closes the one at m[i]. */
    static int matchClose(String m, int i, char open, char close) {
        int depth = 0;
        for (int j = i; j < m.length(); j++) {
            char c = m.charAt(j);
            if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return j;
            }
        }
        throw new IllegalArgumentException("unbalanced '" + open + "' at line " + lineOf(m, i));
    }

    static int lineOf(String s, int pos) {
        int line = 1;
        for (int i = 0; i < pos && i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** [start, end) ranges of m[s, e) split at top-level {@code sep}; a ':' of '::' never splits. */
    static List<int[]> splitTop(String m, int s, int e, char sep) {
        List<int[]> parts = new ArrayList<>();
        int depth = 0;
        int start = s;
        int j = s;
        while (j < e) {
            char c = m.charAt(j);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == sep && depth == 0) {
                if (sep == ':' && ((j + 1 < e && m.charAt(j + 1) == ':') || (j > s && m.charAt(j - 1) == ':'))) {
                    j += (j + 1 < e && m.charAt(j + 1) == ':') ? 2 : 1;
                    continue;
                }
                parts.add(new int[] {start, j});
                start = j + 1;
            }
            j++;
        }
        parts.add(new int[] {start, e});
        return parts;
    }

    static String rewriteLaunches(String src) {
        while (true) {
            String m = mask(src);
            int i = m.indexOf("<<<");
            if (i < 0) {
                return src;
            }
            int j = m.indexOf(">>>", i);
            if (j < 0) {
                throw new IllegalArgumentException("'<<<' without '>>>' at line " + lineOf(m, i));
            }
            // the callee: an identifier (with ::) and template arguments, ending right before <<<
            int k = i - 1;
            while (k >= 0 && Character.isWhitespace(m.charAt(k))) {
                k--;
            }
            if (k >= 0 && m.charAt(k) == '>') {
                int depth = 0;
                while (k >= 0) {
                    char c = m.charAt(k);
                    if (c == '>') {
                        depth++;
                    } else if (c == '<' && --depth == 0) {
                        break;
                    }
                    k--;
                }
                k--;
                while (k >= 0 && Character.isWhitespace(m.charAt(k))) {
                    k--;
                }
            }
            while (k >= 0 && (Character.isLetterOrDigit(m.charAt(k)) || m.charAt(k) == '_' || m.charAt(k) == ':')) {
                k--;
            }
            int cs = k + 1;
            String callee = src.substring(cs, i).trim();
            if (callee.isEmpty()) {
                throw new IllegalArgumentException("kernel launch without a kernel name at line " + lineOf(m, i));
            }
            String cfg = src.substring(i + 3, j);
            int p = j + 3;
            while (p < m.length() && Character.isWhitespace(m.charAt(p))) {
                p++;
            }
            if (p >= m.length() || m.charAt(p) != '(') {
                throw new IllegalArgumentException("kernel launch without an argument list at line " + lineOf(m, i));
            }
            int q = matchClose(m, p, '(', ')');
            String argList = src.substring(p + 1, q);
            String displayName = String.join(" ", callee.split("\\s+"));
            // __LINE__ of the launch: the line of '<<<' in the .cu file (newlines in between are kept)
            String call = "cudaemu::launch(cudaemu::cfg(" + cfg + "), \"" + displayName + "\", __FILE__, __LINE__, "
                    + callee + (argList.isBlank() ? "" : ", " + argList) + ")";
            src = src.substring(0, cs) + call + src.substring(q + 1);
        }
    }

    private static final Pattern ASM = Pattern.compile("\\b(?:asm|__asm__|__asm)\\b(\\s*(?:volatile|__volatile__))?\\s*\\(");
    private static final Pattern OPERAND = Pattern.compile("(\"[^\"]*\")\\s*\\((.*)\\)\\s*", Pattern.DOTALL);

    static List<String> operands(String src, String m, int s, int e, boolean out) {
        List<String> res = new ArrayList<>();
        if (src.substring(s, e).isBlank()) {
            return res;
        }
        for (int[] r : splitTop(m, s, e, ',')) {
            String text = src.substring(r[0], r[1]).trim();
            Matcher mm = OPERAND.matcher(text);
            if (!mm.matches()) {
                throw new IllegalArgumentException("asm operand '" + text + "' at line " + lineOf(m, r[0]));
            }
            res.add("cudaemu::asm_" + (out ? "out" : "in") + "(" + mm.group(1) + ", " + mm.group(2) + ")");
        }
        return res;
    }

    static String rewriteAsm(String src) {
        int pos = 0;
        while (true) {
            String m = mask(src);
            Matcher r = ASM.matcher(m);
            if (!r.find(pos)) {
                return src;
            }
            int p = r.end() - 1;
            int q = matchClose(m, p, '(', ')');
            List<int[]> parts = splitTop(m, p + 1, q, ':');
            String tmpl = src.substring(parts.get(0)[0], parts.get(0)[1]).trim();
            List<String> outs = parts.size() > 1 ? operands(src, m, parts.get(1)[0], parts.get(1)[1], true) : List.of();
            List<String> ins = parts.size() > 2 ? operands(src, m, parts.get(2)[0], parts.get(2)[1], false) : List.of();
            long newlines = src.substring(r.start(), q + 1).chars().filter(c -> c == '\n').count();
            String call = "cudaemu::asm_stmt(" + tmpl.replace('\n', ' ') + ", {" + String.join(", ", outs) + "}, {"
                    + String.join(", ", ins) + "}, __FILE__, __LINE__)";
            call = call.replace('\n', ' ') + "\n".repeat((int) newlines);
            src = src.substring(0, r.start()) + call + src.substring(q + 1);
            pos = r.start() + call.length();
        }
    }

    private static final Pattern SHARED = Pattern.compile("(\\bextern\\s+)?\\b__shared__\\b");
    private static final Pattern DECL = Pattern.compile("(.*?)\\b([A-Za-z_]\\w*)\\s*((?:\\[[^\\]]*\\]\\s*)*)(=.*)?", Pattern.DOTALL);
    private static final Pattern ALIGN = Pattern.compile("__align__\\s*\\([^)]*\\)");

    static String rewriteShared(String src) {
        int pos = 0;
        while (true) {
            String m = mask(src);
            Matcher r = SHARED.matcher(m);
            if (!r.find(pos)) {
                return src;
            }
            int end = m.indexOf(';', r.end());
            if (end < 0) {
                throw new IllegalArgumentException("__shared__ declaration without ';' at line " + lineOf(m, r.start()));
            }
            String decl = src.substring(r.end(), end);
            Matcher dm = DECL.matcher(decl);
            if (!dm.matches()) {
                throw new IllegalArgumentException("__shared__ declaration '" + decl.trim() + "' at line " + lineOf(m, r.start()));
            }
            String type = dm.group(1);
            String name = dm.group(2);
            String repl;
            if (r.group(1) != null) {
                // extern __shared__ T name[]: the dynamic shared memory of the launch
                type = ALIGN.matcher(type).replaceAll("").trim();
                repl = type + "* " + name + " = reinterpret_cast<" + type + "*>(cudaemu::dynamic_shared());";
            } else {
                repl = "static" + decl + "; cudaemu::shared_decl(&" + name + ", sizeof(" + name + "), \"" + name
                        + "\", __FILE__, __LINE__);";
            }
            long newlines = src.substring(r.start(), end + 1).chars().filter(c -> c == '\n').count();
            repl = repl.replace('\n', ' ') + "\n".repeat((int) newlines);
            src = src.substring(0, r.start()) + repl + src.substring(end + 1);
            pos = r.start() + repl.length();
        }
    }
}
