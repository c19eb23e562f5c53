package dev.lamina;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lamina.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * README.md cannot drift from the code: every {@code ```java} block of it is extracted, compiled
 * in-process (javax.tools) against the test class path, and run when it has a {@code main}; what a
 * block promises in its output is checked (see {@link #EXPECTED}). The command list the README
 * gives for {@code ./lamina --help} must be the CLI's.
 */
class ReadmeCodeTest {
    static final Path README = Path.of("README.md");
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?m)^```java\\n(.*?)^```", Pattern.DOTALL);
    private static final Pattern PUBLIC_CLASS = Pattern.compile("(?m)^public (?:final )?class (\\w+)");

    /** What each README program must print (a check of its stated result), by class name. */
    private static final Map<String, java.util.function.Consumer<String>> EXPECTED = Map.of(
            // "System.out.println(w);   // ≈ [[2.] [-1.] [0.5]]"
            "Fit", out -> {
                double[] w = numbers(out.substring(out.indexOf("[[")));
                assertEquals(2.0, w[0], 1e-4, out);
                assertEquals(-1.0, w[1], 1e-4, out);
                assertEquals(0.5, w[2], 1e-4, out);
            },
            "KerasStyleLstm", out -> assertTrue(out.contains("same forecast after load: true"), out),
            "TuneLstm", out -> assertTrue(out.contains("best: "), out),
            "TwoInputs", out -> assertTrue(out.contains("same predictions after load: true"), out),
            "TracedPredict", out -> assertTrue(out.contains("replay equals eager: true"), out));

    static List<String> javaBlocks() throws IOException {
        String text = Files.readString(README, StandardCharsets.UTF_8);
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(text);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    @TestFactory
    List<DynamicTest> everyJavaBlockCompilesAndRuns(@TempDir Path dir) throws IOException {
        List<String> blocks = javaBlocks();
        assertFalse(blocks.isEmpty(), "no ```java block in README.md");
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String code = blocks.get(i);
            Matcher m = PUBLIC_CLASS.matcher(code);
            String name = m.find() ? m.group(1) : null;
            int index = i + 1;
            tests.add(DynamicTest.dynamicTest("README java block " + index + (name == null ? "" : " (" + name + ")"), () -> {
                if (name == null) {
                    fail("README java block " + index + " is not a compilation unit (a public class with its imports):\n" + code);
                }
                Path src = dir.resolve("block" + index).resolve(name + ".java");
                Files.createDirectories(src.getParent());
                Files.writeString(src, code, StandardCharsets.UTF_8);
                compile(src);
                String out = runMain(src.getParent(), name);
                if (EXPECTED.containsKey(name)) {
                    EXPECTED.get(name).accept(out);
                }
            }));
        }
        assertTrue(tests.stream().count() >= EXPECTED.size());
        return tests;
    }

    @Test
    void everyExpectationNamesAReadmeProgram() throws IOException {
        List<String> names = javaBlocks().stream().map(PUBLIC_CLASS::matcher)
                .filter(Matcher::find).map(m -> m.group(1)).collect(Collectors.toList());
        assertTrue(names.containsAll(EXPECTED.keySet()), "README programs " + names + ", expectations for " + EXPECTED.keySet());
    }

    @Test
    void commandListIsTheClis() throws IOException {
        String text = Files.readString(README, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("`\\./lamina --help` lists the commands\\s*\\(([^)]*)\\)").matcher(text);
        assertTrue(m.find(), "README: no \"`./lamina --help` lists the commands (...)\"");
        List<String> listed = new ArrayList<>();
        Matcher name = Pattern.compile("`([a-z-]+)`").matcher(m.group(1));
        while (name.find()) {
            listed.add(name.group(1));
        }
        assertEquals(new ArrayList<>(Main.commands().keySet()), listed, "README's command list vs lamina --help");
        for (String c : listed) {
            assertTrue(Main.usage().contains("  " + c + " "), "lamina --help lists " + c);
        }
    }

    private static void compile(Path src) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertTrue(javac != null, "no system Java compiler (run the tests on a JDK)");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            // surefire puts the class path in a manifest-only jar; it names the real one in this property
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> options = List.of("--release", "17", "-classpath", cp, "-d", src.getParent().toString(),
                    "-proc:none", "-Xlint:none");
            boolean ok = javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjects(src)).call();
            if (!ok) {
                fail("README block " + src.getFileName() + " does not compile:\n" + diagnostics.getDiagnostics().stream()
                        .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                        .map(d -> "line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                        .collect(Collectors.joining("\n")));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs {@code name.main(new String[0])} when it has one, and returns what it printed. */
    private static String runMain(Path classes, String name) throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ReadmeCodeTest.class.getClassLoader())) {
            Class<?> c = loader.loadClass(name);
            Method main;
            try {
                main = c.getMethod("main", String[].class);
            } catch (NoSuchMethodException e) {
                return "";   // compiles; nothing to run
            }
            assertTrue(Modifier.isStatic(main.getModifiers()), name + ".main is not static");
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream original = System.out;
            System.setOut(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
            try {
                main.invoke(null, (Object) new String[0]);
            } catch (InvocationTargetException e) {
                throw new AssertionError("README program " + name + " failed: " + e.getCause(), e.getCause());
            } finally {
                System.out.flush();
                System.setOut(original);
            }
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    private static double[] numbers(String s) {
        Matcher m = Pattern.compile("-?\\d+(?:\\.\\d*)?(?:[eE]-?\\d+)?").matcher(s);
        List<Double> out = new ArrayList<>();
        while (m.find()) {
            out.add(Double.parseDouble(m.group()));
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Writes to the console and to the capture buffer. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
