package dev.lamina.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The gradient table is its three family files ({@code tensor/Gradients}, {@code ops/ConvGradients},
 * {@code ops/RecurrentGradients}): read from the sources, every {@code GradientTape.record} (or
 * {@code Tape.record}) call
 * outside them takes its rule from a family (no lambda or method reference written beside the
 * forward pass), and only the family files build {@code Backward} rules. {@code OpTable} is the one
 * exception: its entries name their rules in {@code Gradients} and its record calls adapt them.
 */
class GradientTableTest {
    private static final Path ROOT = Path.of("java/dev/lamina");
    private static final Set<String> FAMILIES = Set.of("tensor/Gradients.java", "ops/ConvGradients.java",
            "ops/RecurrentGradients.java");
    private static final Set<String> EXEMPT = Set.of("tensor/OpTable.java");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);
    private static final Pattern RECORD = Pattern.compile("\\b(?:GradientTape|Tape)\\.record\\(");
    private static final Pattern BACKWARD_LAMBDA = Pattern.compile("Backward\\s+\\w+\\s*=\\s*\\(?\\s*\\w*\\s*\\)?\\s*->");

    @Test
    void everyRecordedRuleComesFromTheTable() throws IOException {
        List<String> offenders = new ArrayList<>();
        Set<String> families = new TreeSet<>();
        int calls = 0;
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String rel = ROOT.relativize(f).toString().replace('\\', '/');
                if (rel.startsWith("autograd/") || rel.equals("tensor/Tape.java") || FAMILIES.contains(rel)) {
                    continue;
                }
                String code = COMMENTS.matcher(Files.readString(f)).replaceAll(" ");
                Matcher m = RECORD.matcher(code);
                while (m.find()) {
                    calls++;
                    String args = arguments(code, m.end());
                    if (EXEMPT.contains(rel)) {
                        continue;
                    }
                    if (args.contains("->") || args.contains("::")) {
                        offenders.add(rel + ": record(" + args + ")");
                    }
                    Matcher fam = Pattern.compile("\\b(\\w*Gradients)\\.\\w+\\(").matcher(args);
                    while (fam.find()) {
                        families.add(fam.group(1));
                    }
                }
                if (BACKWARD_LAMBDA.matcher(code).find()) {
                    offenders.add(rel + ": builds a Backward rule outside the gradient table");
                }
            }
        }
        System.out.println("gradient table: " + calls + " record calls outside autograd/, rules from " + families);
        assertTrue(calls > 20, "record calls not found: " + calls);
        assertTrue(offenders.isEmpty(), "gradient rules outside the table's family files: " + offenders);
        assertEquals(Set.of("Gradients", "ConvGradients", "RecurrentGradients"), families,
                "record calls name the three families");
    }

    /** The text between the parenthesis opened just before {@code start} and its match. */
    private static String arguments(String code, int start) {
        int depth = 1;
        for (int i = start; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return code.substring(start, i).replaceAll("\\s+", " ");
            }
        }
        throw new AssertionError("unbalanced record( call");
    }
}
