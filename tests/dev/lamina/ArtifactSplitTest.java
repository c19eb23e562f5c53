package dev.lamina;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The split of one source tree into the library jar and the tools jar (pom.xml, "ARTIFACTS"):
 * the pom's five lists of tools paths agree, and no library source refers to a tools class (the
 * library jar would not load it). .ci/consumer.sh checks the built jar itself with jdeps.
 */
class ArtifactSplitTest {
    private static final Path POM = Path.of("pom.xml");

    /** The values of {@code tag} inside the execution with id {@code id}. */
    private static List<String> values(String pom, String id, String tag) {
        int start = pom.indexOf("<id>" + id + "</id>");
        assertTrue(start >= 0, "pom.xml: no execution " + id);
        String exec = pom.substring(start, pom.indexOf("</execution>", start));
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<" + tag + ">([^<]+)</" + tag + ">").matcher(exec);
        while (m.find()) {
            out.add(m.group(1).trim());
        }
        assertFalse(out.isEmpty(), "pom.xml: execution " + id + " has no <" + tag + ">");
        return out;
    }

    private static TreeSet<String> sources(List<String> patterns) {
        return patterns.stream().filter(p -> p.startsWith("dev/lamina/") && !p.contains("jmh_generated"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static List<String> toolsPatterns() throws IOException {
        return new ArrayList<>(sources(values(Files.readString(POM, StandardCharsets.UTF_8), "default-jar", "exclude")));
    }

    @Test
    void thePomsListsOfToolsPathsAgree() throws IOException {
        String pom = Files.readString(POM, StandardCharsets.UTF_8);
        TreeSet<String> jarExcludes = sources(values(pom, "default-jar", "exclude"));
        assertEquals(jarExcludes, sources(values(pom, "tools-jar", "include")), "tools-jar includes");
        assertEquals(jarExcludes, sources(values(pom, "attach-sources", "exclude")), "attach-sources excludes");
        assertEquals(jarExcludes, sources(values(pom, "attach-tools-sources", "include")), "attach-tools-sources includes");
        assertEquals(jarExcludes, sources(values(pom, "attach-javadocs", "sourceFileExclude")), "attach-javadocs excludes");
        assertTrue(jarExcludes.contains("dev/lamina/cli/**"), jarExcludes.toString());
    }

    @Test
    void noLibrarySourceRefersToAToolsClass() throws IOException {
        List<String> tools = toolsPatterns();
        List<String> prefixes = tools.stream().map(p -> p.replace("**", "").replace("*", "")).collect(Collectors.toList());
        // a reference to a tools class: its package (qualified or imported), or, for single tools
        // classes in a library package (tuner's TuneCommand), its simple name
        List<Pattern> refs = new ArrayList<>();
        for (String p : tools) {
            if (p.endsWith("/**")) {
                String pkg = p.substring(0, p.length() - 3).replace('/', '.');
                refs.add(Pattern.compile("\\b" + Pattern.quote(pkg) + "\\b"));
            } else {
                String simple = p.substring(p.lastIndexOf('/') + 1).replace("*", "");
                refs.add(Pattern.compile("\\b" + Pattern.quote(simple) + "\\b"));
            }
        }
        List<String> offenders = new ArrayList<>();
        int library = 0;
        try (Stream<Path> files = Files.walk(Path.of("java"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String rel = Path.of("java").relativize(f).toString().replace('\\', '/');
                if (prefixes.stream().anyMatch(rel::startsWith)) {
                    continue;
                }
                library++;
                String text = Files.readString(f, StandardCharsets.UTF_8);
                for (Pattern r : refs) {
                    if (r.matcher(text).find()) {
                        offenders.add(rel + " -> " + r.pattern());
                    }
                }
            }
        }
        assertTrue(library > 150, "library sources found: " + library);
        assertTrue(offenders.isEmpty(), "library sources that refer to tools classes (they would not load from "
                + "the library jar): " + offenders);
    }
}
