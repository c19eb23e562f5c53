package dev.lamina.arch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package graph of {@code java/}, read from the sources (imports and fully qualified names in
 * code, comments stripped): lists every two-way package dependency and every cycle (strongly
 * connected component), and fails when a two-way dependency appears that is not in the known list
 * below, so the count can only go down; with the list empty, any cycle at all fails. Run it to
 * re-measure (it prints the report).
 */
class PackageCyclesTest {
    /**
     * Two-way dependencies known today ("a <-> b", a before b); remove an entry when it is broken.
     * Empty since the last ones went: backend names its implementations through BackendProvider
     * services, fit sees callbacks as models.TrainingListener, and the commands depend on the leaf
     * cli.command, not on cli.
     */
    static final Set<String> KNOWN = Set.of();

    private static final Pattern REF = Pattern.compile("\\bdev\\.lamina\\.([a-z][a-z0-9_]*(?:\\.[a-z][a-z0-9_]*)*)\\.[A-Z]");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    static Map<String, Set<String>> graph() {
        Path root = Path.of("java/dev/lamina");
        Map<String, Set<String>> g = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String pkg = root.relativize(f.getParent()).toString().replace('/', '.');
                if (pkg.isEmpty()) {
                    continue;
                }
                String code = COMMENTS.matcher(Files.readString(f)).replaceAll(" ");
                Set<String> deps = g.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = REF.matcher(code);
                while (m.find()) {
                    String dep = m.group(1);
                    if (!dep.equals(pkg)) {
                        deps.add(dep);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return g;
    }

    static Set<String> twoWay(Map<String, Set<String>> g) {
        Set<String> r = new TreeSet<>();
        for (var e : g.entrySet()) {
            for (String d : e.getValue()) {
                if (e.getKey().compareTo(d) < 0 && g.getOrDefault(d, Set.of()).contains(e.getKey())) {
                    r.add(e.getKey() + " <-> " + d);
                }
            }
        }
        return r;
    }

    /** Strongly connected components with more than one package (Tarjan). */
    static List<Set<String>> cycles(Map<String, Set<String>> g) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> on = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] next = {0};
        for (String v : g.keySet()) {
            if (!index.containsKey(v)) {
                strong(v, g, index, low, stack, on, out, next);
            }
        }
        return out;
    }

    private static void strong(String v, Map<String, Set<String>> g, Map<String, Integer> index, Map<String, Integer> low,
                               Deque<String> stack, Set<String> on, List<Set<String>> out, int[] next) {
        index.put(v, next[0]);
        low.put(v, next[0]++);
        stack.push(v);
        on.add(v);
        for (String w : g.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                strong(w, g, index, low, stack, on, out, next);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (on.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> c = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                on.remove(w);
                c.add(w);
            } while (!w.equals(v));
            if (c.size() > 1) {
                out.add(c);
            }
        }
    }

    @Test
    void noNewTwoWayPackageDependencies() {
        Map<String, Set<String>> g = graph();
        assertTrue(g.size() > 10, "package graph not read: " + g.keySet());
        Set<String> pairs = twoWay(g);
        List<Set<String>> sccs = cycles(g);
        System.out.println("package graph: " + g.size() + " packages, " + pairs.size() + " two-way dependencies, "
                + sccs.size() + " cycle(s)");
        pairs.forEach(p -> System.out.println("  two-way: " + p));
        sccs.forEach(c -> System.out.println("  cycle of " + c.size() + ": " + c));
        Set<String> fresh = new TreeSet<>(pairs);
        fresh.removeAll(KNOWN);
        assertTrue(fresh.isEmpty(), "new two-way package dependencies: " + fresh);
        if (KNOWN.isEmpty()) {
            assertTrue(sccs.isEmpty(), "package cycles: " + sccs);
        }
    }
}
