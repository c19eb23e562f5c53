package dev.lamina.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text RNN example learns the sentiment of reviews it has not seen, and frees its memory. */
class TextRnnTest {
    @Test
    void learnsSentimentOfHeldOutReviews() {
        Backend cpu = Backends.cpu();
        try (Backends.Use use = Backends.use(cpu)) {
            dev.lamina.testing.LeakBaseline baseline = dev.lamina.testing.LeakBaseline.of(cpu);
            TextRnn.Result r = TextRnn.run(3, 15);
            // 8 + 8 sentiment words + 12 fillers, and the oov token
            assertEquals(29, r.vocabulary());
            List<Double> loss = r.history().get("loss");
            assertTrue(loss.get(loss.size() - 1) < loss.get(0) / 2, "training loss falls: " + loss);
            assertTrue(r.evaluation().get("accuracy") >= 0.9, "held-out accuracy: " + r.evaluation());
            assertTrue(r.newSentences()[0] > 0.5 && r.newSentences()[1] < 0.5,
                    "a new positive and a new negative sentence: " + java.util.Arrays.toString(r.newSentences()));
            baseline.assertNoLeak("bytes held after the example");
        }
    }

    @Test
    void reviewsAreSeededAndLabelledByTheirSentimentWords() {
        TextRnn.Reviews a = TextRnn.reviews(20, 9);
        TextRnn.Reviews b = TextRnn.reviews(20, 9);
        assertEquals(a.texts(), b.texts());
        for (int i = 0; i < 20; i++) {
            String t = a.texts().get(i).toLowerCase();
            String[] mood = a.labels()[i] == 1 ? TextRnn.POSITIVE : TextRnn.NEGATIVE;
            assertTrue(List.of(mood).stream().anyMatch(w -> t.matches(".*\\b" + w + "\\b.*")), t);
        }
    }
}
