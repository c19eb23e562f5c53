package dev.lamina.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tokenizer against Keras's legacy {@code Tokenizer} (keras 3.15.1,
 * keras.src.legacy.preprocessing.text): every expected value below was printed by
 * {@code tests/dev/lamina/data/keras/text_expected.py} (its output is checked in beside it as
 * {@code text_expected.txt}).
 */
class TokenizerTest {
    static final List<String> TEXTS = List.of(
            "The cat sat on the mat.",
            "The dog ate my homework!",
            "Dogs and cats: friends? Not the CAT, not the dog...",
            "",
            "   spaces\tand\ttabs\nand newlines  ");
    static final List<String> TEST = List.of("the cat ate the unknown bird", "Mat, dog; homework");

    /** An ordered map from alternating key, value arguments. */
    static Map<String, Integer> map(Object... kv) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Integer) kv[i + 1]);
        }
        return m;
    }

    static void assertSequences(int[][] want, List<int[]> got) {
        assertEquals(want.length, got.size(), "number of sequences");
        for (int i = 0; i < want.length; i++) {
            assertArrayEquals(want[i], got.get(i), "sequence " + i);
        }
    }

    @Test
    void textToWordSequenceFiltersLowersAndSplitsAsKeras() {
        assertEquals(List.of("dogs", "and", "cats", "friends", "not", "the", "cat", "not", "the", "dog"),
                Tokenizer.textToWordSequence(TEXTS.get(2), Tokenizer.DEFAULT_FILTERS, true, " "));
    }

    @Test
    void wordIndexCountsAndSequencesMatchKeras() {
        Tokenizer t = new Tokenizer().fitOnTexts(TEXTS);
        Map<String, Integer> wordIndex = map("the", 1, "and", 2, "cat", 3, "dog", 4, "not", 5, "sat", 6, "on", 7, "mat", 8,
                "ate", 9, "my", 10, "homework", 11, "dogs", 12, "cats", 13, "friends", 14, "spaces", 15, "tabs", 16, "newlines", 17);
        // order matters too: ids by decreasing count, ties in order of first appearance
        assertEquals(new ArrayList<>(wordIndex.entrySet()), new ArrayList<>(t.wordIndex().entrySet()));
        assertEquals(new ArrayList<>(map("the", 5, "cat", 2, "sat", 1, "on", 1, "mat", 1, "dog", 2, "ate", 1, "my", 1,
                "homework", 1, "dogs", 1, "and", 3, "cats", 1, "friends", 1, "not", 2, "spaces", 1, "tabs", 1, "newlines", 1)
                .entrySet()), new ArrayList<>(t.wordCounts().entrySet()));
        assertEquals(map("and", 2, "ate", 1, "cat", 2, "cats", 1, "dog", 2, "dogs", 1, "friends", 1, "homework", 1, "mat", 1,
                "my", 1, "newlines", 1, "not", 1, "on", 1, "sat", 1, "spaces", 1, "tabs", 1, "the", 3), t.wordDocs());
        assertEquals(5, t.documentCount());
        assertEquals("homework", t.indexWord().get(11));
        assertSequences(new int[][] {{1, 3, 9, 1}, {8, 4, 11}}, t.textsToSequences(TEST));
    }

    @Test
    void numWordsAndOovTokenMatchKeras() {
        Tokenizer t = new Tokenizer(5).oovToken("<OOV>").fitOnTexts(TEXTS);
        assertEquals(1, t.wordIndex().get("<OOV>"));
        assertEquals(2, t.wordIndex().get("the"));
        assertEquals(18, t.wordIndex().get("newlines"));
        assertEquals(18, t.wordIndex().size());
        List<int[]> seqs = t.textsToSequences(TEST);
        assertSequences(new int[][] {{2, 4, 1, 2, 1, 1}, {1, 1, 1}}, seqs);
        assertEquals(List.of("the cat <OOV> the <OOV> <OOV>", "<OOV> <OOV> <OOV>"), t.sequencesToTexts(seqs));

        Tokenizer noOov = new Tokenizer().numWords(5).fitOnTexts(TEXTS);
        assertSequences(new int[][] {{1, 3, 1}, {4}}, noOov.textsToSequences(TEST));
    }

    @Test
    void lowerFiltersSplitAndCharLevelOptionsMatchKeras() {
        Tokenizer custom = new Tokenizer().lower(false).filters("").split(",").fitOnTexts(List.of("a,B,a", "b,,c"));
        assertEquals(new ArrayList<>(map("a", 1, "B", 2, "b", 3, "c", 4).entrySet()),
                new ArrayList<>(custom.wordIndex().entrySet()));

        Tokenizer chars = new Tokenizer().charLevel(true).fitOnTexts(List.of("abca", "Bd!"));
        assertEquals(new ArrayList<>(map("a", 1, "b", 2, "c", 3, "d", 4, "!", 5).entrySet()),
                new ArrayList<>(chars.wordIndex().entrySet()));
        assertSequences(new int[][] {{4, 1, 2}}, chars.textsToSequences(List.of("dab?")));
    }

    @Test
    void analyzerReplacesTheSplitting() {
        Tokenizer t = new Tokenizer().analyzer(s -> List.of(s.split("-"))).fitOnTexts(List.of("x-y-x", "Y"));
        assertEquals(map("x", 1, "y", 2, "Y", 3), t.wordIndex());
    }

    @Test
    void matricesMatchKerasInEveryMode() {
        Tokenizer t = new Tokenizer(5).oovToken("<OOV>").fitOnTexts(TEXTS);
        Map<String, float[]> want = new LinkedHashMap<>();
        want.put("binary", new float[] {0, 1, 1, 0, 1, 0, 1, 0, 0, 0});
        want.put("count", new float[] {0, 3, 2, 0, 1, 0, 3, 0, 0, 0});
        want.put("freq", new float[] {0, 0.5f, 0.3333333f, 0, 0.1666667f, 0, 1, 0, 0, 0});
        want.put("tfidf", new float[] {0, 3.7602084f, 1.3730242f, 0, 0.9808293f, 0, 3.7602084f, 0, 0, 0});
        try (Scope s = Scope.open()) {
            for (Map.Entry<String, float[]> e : want.entrySet()) {
                Tensor m = t.textsToMatrix(TEST, e.getKey());
                assertArrayEquals(new long[] {2, 5}, m.shape(), e.getKey());
                assertArrayEquals(e.getValue(), m.toFloatArray(), 1e-6f, e.getKey());
            }
        }
    }

    @Test
    void badOptionsAndUseBeforeFitGiveClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> new Tokenizer(0));
        assertThrows(IllegalArgumentException.class, () -> new Tokenizer().split(""));
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> new Tokenizer().fitOnTexts(TEXTS).textsToMatrix(TEST, "onehot"));
        assertTrue(mode.getMessage().contains("binary, count, freq or tfidf"), mode.getMessage());
        assertThrows(IllegalStateException.class, () -> new Tokenizer().textsToMatrix(TEST, "binary"));
        assertThrows(IllegalStateException.class, () -> new Tokenizer(4).textsToMatrix(TEST, "tfidf"));
        // unfitted: every word is unknown and there is no oov id, so sequences are empty (as Keras)
        assertEquals(0, new Tokenizer().textsToSequences(TEST).get(0).length);
    }
}
