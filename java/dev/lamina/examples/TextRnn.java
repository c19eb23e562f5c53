package dev.lamina.examples;

import dev.lamina.data.Tokenizer;
import dev.lamina.data.Utils;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Embedding;
import dev.lamina.nn.LSTM;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Workshop example: an RNN with embeddings on text, line by line as Keras:
 *
 * <pre>
 *   tokenizer = Tokenizer(num_words=50, oov_token="&lt;OOV&gt;")
 *   tokenizer.fit_on_texts(train_texts)
 *   x_train = pad_sequences(tokenizer.texts_to_sequences(train_texts), maxlen=8, padding="post")
 *   model = keras.Sequential([Embedding(50, 16, mask_zero=True, input_shape=(8,)),
 *                             LSTM(16),
 *                             Dense(1, activation="sigmoid")])
 *   model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
 *   model.fit(x_train, y_train, epochs=15, batch_size=16)
 *   model.evaluate(x_test, y_test)
 * </pre>
 *
 * The texts are short made-up reviews (a seeded generator mixes filler words with one or two
 * words of the label's sentiment), so the example runs anywhere without a download; the test
 * reviews use word orders and mixes the model has not seen.
 */
public final class TextRnn {
    static final String[] POSITIVE = {"good", "great", "excellent", "wonderful", "loved", "enjoyed", "fantastic", "nice"};
    static final String[] NEGATIVE = {"bad", "terrible", "awful", "boring", "hated", "poor", "worst", "dull"};
    static final String[] FILLER = {"the", "movie", "was", "film", "i", "it", "plot", "acting", "really", "very", "this", "and"};
    /** Vocabulary bound, sequence length. */
    static final int NUM_WORDS = 50;
    static final int MAXLEN = 8;

    private TextRnn() {
    }

    /** Texts and their 0/1 labels. */
    public record Reviews(List<String> texts, int[] labels) {
    }

    /** Training history, test loss/accuracy and the predicted probability of two new sentences. */
    public record Result(History history, Map<String, Double> evaluation, float[] newSentences, int vocabulary) {
    }

    /**
     * Reviews from a seeded generator: 2–5 filler words and 1–2 sentiment words, capitalised, with punctuation.
     *
     * @param n number of reviews
     * @param seed generator seed
     * @return the texts and labels
     */
    public static Reviews reviews(int n, long seed) {
        Random r = new Random(seed);
        List<String> texts = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(2);
            String[] mood = labels[i] == 1 ? POSITIVE : NEGATIVE;
            List<String> words = new ArrayList<>();
            int fill = 2 + r.nextInt(4);
            for (int k = 0; k < fill; k++) {
                words.add(FILLER[r.nextInt(FILLER.length)]);
            }
            int sentiment = 1 + r.nextInt(2);
            for (int k = 0; k < sentiment; k++) {
                words.add(r.nextInt(words.size() + 1), mood[r.nextInt(mood.length)]);
            }
            String text = String.join(" ", words);
            texts.add(Character.toUpperCase(text.charAt(0)) + text.substring(1) + (r.nextBoolean() ? "!" : "."));
        }
        return new Reviews(texts, labels);
    }

    /**
     * Trains on 240 reviews and evaluates on 60 others.
     *
     * @param seed seed of the data, the weights and the shuffling
     * @param epochs training epochs
     * @return history, test metrics and two predictions
     */
    public static Result run(long seed, int epochs) {
        Reviews train = reviews(240, seed);
        Reviews test = reviews(60, seed + 1);
        Tokenizer tokenizer = new Tokenizer(NUM_WORDS).oovToken("<OOV>");
        tokenizer.fitOnTexts(train.texts());
        Rng.setGlobalSeed(seed);
        try (Scope scope = Scope.open();
             Sequential model = new Sequential(
                     new Embedding(NUM_WORDS, 16).maskZero(true).inputShape(MAXLEN),
                     new LSTM(16),
                     new Dense(1, "sigmoid"))) {
            Tensor xTrain = Utils.padSequences(tokenizer.textsToSequences(train.texts()), MAXLEN, "post", "pre", 0);
            Tensor yTrain = labels(train.labels());
            Tensor xTest = Utils.padSequences(tokenizer.textsToSequences(test.texts()), MAXLEN, "post", "pre", 0);
            Tensor yTest = labels(test.labels());
            model.compile("adam", "binary_crossentropy", "accuracy");
            History h = model.fit(xTrain, yTrain, new FitOptions().epochs(epochs).batchSize(16).verbose(0).seed(seed));
            Map<String, Double> eval = model.evaluate(xTest, yTest);
            List<String> fresh = List.of("What a wonderful and great film!", "Boring, awful acting.");
            Tensor xNew = Utils.padSequences(tokenizer.textsToSequences(fresh), MAXLEN, "post", "pre", 0);
            float[] p = model.predict(xNew).toFloatArray();
            return new Result(h, eval, p, tokenizer.wordIndex().size());
        }
    }

    private static Tensor labels(int[] y) {
        float[] f = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            f[i] = y[i];
        }
        return Tensor.of(f, y.length, 1);
    }

    /**
     * Trains and prints the test accuracy.
     *
     * @param args none
     */
    public static void main(String[] args) {
        Result r = run(3, 15);
        System.out.printf("vocabulary: %d words; test: %s%n", r.vocabulary(), r.evaluation());
        System.out.printf("p(positive): 'What a wonderful and great film!' %.3f, 'Boring, awful acting.' %.3f%n",
                r.newSentences()[0], r.newSentences()[1]);
    }
}
