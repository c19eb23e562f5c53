package dev.lamina.data;

import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns texts into sequences of word ids, as Keras's {@code keras.preprocessing.text.Tokenizer}
 * (same defaults, same word index, same output):
 *
 * <pre>{@code
 * Tokenizer tok = new Tokenizer().numWords(10000).oovToken("<OOV>");
 * tok.fitOnTexts(trainTexts);
 * List<int[]> seqs = tok.textsToSequences(testTexts);
 * Tensor x = Utils.padSequences(seqs, 100);
 * }</pre>
 *
 * <p>Splitting (Keras's {@code text_to_word_sequence}): the text is lower-cased when
 * {@code lower}, every character of {@code filters} is replaced by {@code split}, the text is cut
 * at {@code split} and empty pieces are dropped. With {@code charLevel} every character (lower-cased
 * when {@code lower}, not filtered) is a token; otherwise an {@link #analyzer}, when set, replaces
 * lower/filters/split.
 *
 * <p>Word index: {@link #fitOnTexts} counts every word; ids start at 1 (0 is left for padding)
 * and go by decreasing count, ties in order of first appearance; the {@code oovToken}, when
 * set, is id 1. {@link #textsToSequences} keeps only words with an id below {@code numWords}
 * (when set), and maps unknown or dropped words to the oov id when there is one, else leaves
 * them out. Fitting again adds to the counts and rebuilds the index.
 */
public final class Tokenizer {
    /** Keras's default filters: punctuation, tab and newline. */
    public static final String DEFAULT_FILTERS = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

    private Integer numWords;
    private String filters = DEFAULT_FILTERS;
    private boolean lower = true;
    private String split = " ";
    private boolean charLevel;
    private String oovToken;
    private Function<String, List<String>> analyzer;

    private int documentCount;
    private final LinkedHashMap<String, Integer> wordCounts = new LinkedHashMap<>();
    private final LinkedHashMap<String, Integer> wordDocs = new LinkedHashMap<>();
    private LinkedHashMap<String, Integer> wordIndex = new LinkedHashMap<>();
    private Map<Integer, String> indexWord = new HashMap<>();
    private Map<Integer, Integer> indexDocs = new HashMap<>();

    /** Keras's defaults: every word kept, default filters, lower-cased, split at spaces, no oov token. */
    public Tokenizer() {
    }

    /**
     * Keeps the {@code numWords − 1} most frequent words in {@link #textsToSequences}, as
     * {@code Tokenizer(num_words=...)}.
     *
     * @param numWords the bound on word ids (ids below it are kept), positive
     */
    public Tokenizer(int numWords) {
        numWords(numWords);
    }

    // ---- options (Keras's constructor arguments) ----

    /**
     * Only words with an id below {@code numWords} appear in sequences and matrices; returns this.
     *
     * @param numWords the bound, positive
     * @return this tokenizer
     */
    public Tokenizer numWords(int numWords) {
        if (numWords < 1) {
            throw new IllegalArgumentException("Tokenizer: num_words must be positive, got " + numWords);
        }
        this.numWords = numWords;
        return this;
    }

    /**
     * The characters removed from texts (replaced by the split string); "" for none; returns this.
     *
     * @param filters the characters to filter out
     * @return this tokenizer
     */
    public Tokenizer filters(String filters) {
        this.filters = filters == null ? "" : filters;
        return this;
    }

    /**
     * Whether texts are lower-cased first (default true); returns this.
     *
     * @param lower whether to lower-case
     * @return this tokenizer
     */
    public Tokenizer lower(boolean lower) {
        this.lower = lower;
        return this;
    }

    /**
     * The word separator (default a space); returns this.
     *
     * @param split a non-empty separator
     * @return this tokenizer
     */
    public Tokenizer split(String split) {
        if (split == null || split.isEmpty()) {
            throw new IllegalArgumentException("Tokenizer: split must be a non-empty string, got '" + split + "'");
        }
        this.split = split;
        return this;
    }

    /**
     * Whether every character is a token (default false); returns this.
     *
     * @param charLevel whether to tokenize characters
     * @return this tokenizer
     */
    public Tokenizer charLevel(boolean charLevel) {
        this.charLevel = charLevel;
        return this;
    }

    /**
     * The token standing for words outside the index (id 1 once fitted); null for none; returns this.
     *
     * @param oovToken the out-of-vocabulary token
     * @return this tokenizer
     */
    public Tokenizer oovToken(String oovToken) {
        this.oovToken = oovToken;
        return this;
    }

    /**
     * A function that splits a text into tokens, used instead of lower/filters/split (Keras's
     * {@code analyzer}); null for the default; returns this.
     *
     * @param analyzer text to tokens
     * @return this tokenizer
     */
    public Tokenizer analyzer(Function<String, List<String>> analyzer) {
        this.analyzer = analyzer;
        return this;
    }

    /**
     * The bound on kept word ids.
     *
     * @return the bound, or null when every word is kept
     */
    public Integer numWords() {
        return numWords;
    }

    /**
     * The out-of-vocabulary token.
     *
     * @return the token, or null when there is none
     */
    public String oovToken() {
        return oovToken;
    }

    // ---- fitting ----

    /**
     * Counts the words of {@code texts} and rebuilds the word index, as {@code fit_on_texts}.
     *
     * @param texts the training texts
     * @return this tokenizer
     */
    public Tokenizer fitOnTexts(List<String> texts) {
        for (String text : texts) {
            documentCount++;
            List<String> seq = tokens(text);
            for (String w : seq) {
                wordCounts.merge(w, 1, Integer::sum);
            }
            for (String w : new LinkedHashSet<>(seq)) {
                wordDocs.merge(w, 1, Integer::sum);
            }
        }
        List<Map.Entry<String, Integer>> counts = new ArrayList<>(wordCounts.entrySet());
        counts.sort((a, b) -> Integer.compare(b.getValue(), a.getValue())); // stable: ties keep first appearance
        List<String> vocabulary = new ArrayList<>();
        if (oovToken != null) {
            vocabulary.add(oovToken);
        }
        for (Map.Entry<String, Integer> e : counts) {
            vocabulary.add(e.getKey());
        }
        // as Keras's dict(zip(...)): a word listed twice (the oov token also found in the texts)
        // keeps its first place and takes the later id
        wordIndex = new LinkedHashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            wordIndex.put(vocabulary.get(i), i + 1);
        }
        indexWord = new HashMap<>();
        for (Map.Entry<String, Integer> e : wordIndex.entrySet()) {
            indexWord.put(e.getValue(), e.getKey());
        }
        indexDocs = new HashMap<>();
        for (Map.Entry<String, Integer> e : wordDocs.entrySet()) {
            indexDocs.put(wordIndex.get(e.getKey()), e.getValue());
        }
        return this;
    }

    /**
     * The tokens of one text with this tokenizer's options (Keras's {@code text_to_word_sequence}
     * unless charLevel or an analyzer is set).
     *
     * @param text the text
     * @return its tokens in order
     */
    public List<String> tokens(String text) {
        if (text == null) {
            throw new IllegalArgumentException("Tokenizer: a text is null");
        }
        if (charLevel) {
            String t = lower ? text.toLowerCase(Locale.ROOT) : text;
            List<String> out = new ArrayList<>();
            t.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
            return out;
        }
        if (analyzer != null) {
            return analyzer.apply(text);
        }
        return textToWordSequence(text, filters, lower, split);
    }

    /**
     * Keras's {@code text_to_word_sequence}: lower-cases (when {@code lower}), replaces every
     * character of {@code filters} by {@code split}, cuts at {@code split} and drops empty pieces.
     *
     * @param text the text
     * @param filters characters to filter out
     * @param lower whether to lower-case first
     * @param split the separator, non-empty
     * @return the words in order
     */
    public static List<String> textToWordSequence(String text, String filters, boolean lower, String split) {
        String t = lower ? text.toLowerCase(Locale.ROOT) : text;
        Set<Integer> filtered = new HashSet<>();
        filters.codePoints().forEach(filtered::add);
        StringBuilder sb = new StringBuilder(t.length());
        t.codePoints().forEach(cp -> {
            if (filtered.contains(cp)) {
                sb.append(split);
            } else {
                sb.appendCodePoint(cp);
            }
        });
        List<String> out = new ArrayList<>();
        String s = sb.toString();
        int from = 0;
        while (true) {
            int at = s.indexOf(split, from);
            String piece = at < 0 ? s.substring(from) : s.substring(from, at);
            if (!piece.isEmpty()) {
                out.add(piece);
            }
            if (at < 0) {
                return out;
            }
            from = at + split.length();
        }
    }

    // ---- using the index ----

    /**
     * Each text as word ids, as {@code texts_to_sequences}: words outside the index, or with an id
     * of at least numWords, become the oov id when there is an oov token and are left out otherwise.
     *
     * @param texts the texts
     * @return one array of ids per text
     */
    public List<int[]> textsToSequences(List<String> texts) {
        Integer oovIndex = oovToken == null ? null : wordIndex.get(oovToken);
        List<int[]> out = new ArrayList<>(texts.size());
        for (String text : texts) {
            List<String> seq = tokens(text);
            int[] ids = new int[seq.size()];
            int n = 0;
            for (String w : seq) {
                Integer i = wordIndex.get(w);
                if (i != null && (numWords == null || i < numWords)) {
                    ids[n++] = i;
                } else if (oovIndex != null) {
                    ids[n++] = oovIndex;
                }
            }
            out.add(java.util.Arrays.copyOf(ids, n));
        }
        return out;
    }

    /**
     * Each sequence of ids back to its words joined by spaces, as {@code sequences_to_texts}
     * (ids at or above numWords and unknown ids become the oov token when there is one, else
     * are left out).
     *
     * @param sequences arrays of ids
     * @return one text per sequence
     */
    public List<String> sequencesToTexts(List<int[]> sequences) {
        Integer oovIndex = oovToken == null ? null : wordIndex.get(oovToken);
        List<String> out = new ArrayList<>(sequences.size());
        for (int[] seq : sequences) {
            List<String> words = new ArrayList<>();
            for (int id : seq) {
                String w = indexWord.get(id);
                if (w != null && (numWords == null || id < numWords)) {
                    words.add(w);
                } else if (oovIndex != null) {
                    words.add(indexWord.get(oovIndex));
                }
            }
            out.add(String.join(" ", words));
        }
        return out;
    }

    /**
     * Texts as a float32 matrix [texts, numWords] (numWords, or the index size + 1 when unset),
     * as {@code texts_to_matrix}; see {@link #sequencesToMatrix} for the modes.
     *
     * @param texts the texts
     * @param mode "binary", "count", "freq" or "tfidf"
     * @return a new float32 tensor
     */
    public Tensor textsToMatrix(List<String> texts, String mode) {
        return sequencesToMatrix(textsToSequences(texts), mode);
    }

    /**
     * Sequences of ids as a float32 matrix [sequences, numWords], as {@code sequences_to_matrix}:
     * cell (i, j) for the c occurrences of id j in sequence i is 1 ("binary"), c ("count"),
     * c / length ("freq") or (1 + ln c)·ln(1 + documents / (1 + documents containing j)) ("tfidf");
     * ids at or above the width are ignored.
     *
     * @param sequences arrays of ids
     * @param mode "binary", "count", "freq" or "tfidf"
     * @return a new float32 tensor
     */
    public Tensor sequencesToMatrix(List<int[]> sequences, String mode) {
        int width;
        if (numWords != null) {
            width = numWords;
        } else if (!wordIndex.isEmpty()) {
            width = wordIndex.size() + 1;
        } else {
            throw new IllegalStateException("Tokenizer: set numWords or fit on some texts before making a matrix");
        }
        String m = mode == null ? "" : mode;
        if (!List.of("binary", "count", "freq", "tfidf").contains(m)) {
            throw new IllegalArgumentException("Tokenizer: unknown matrix mode '" + mode + "' (expected binary, count, freq or tfidf)");
        }
        if (m.equals("tfidf") && documentCount == 0) {
            throw new IllegalStateException("Tokenizer: fit on some texts before using tfidf mode");
        }
        float[] x = new float[Math.multiplyExact(sequences.size(), width)];
        for (int i = 0; i < sequences.size(); i++) {
            int[] seq = sequences.get(i);
            Map<Integer, Integer> counts = new LinkedHashMap<>();
            for (int j : seq) {
                if (j >= 0 && j < width) {
                    counts.merge(j, 1, Integer::sum);
                }
            }
            for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
                int j = e.getKey();
                int c = e.getValue();
                double v;
                switch (m) {
                    case "count":
                        v = c;
                        break;
                    case "freq":
                        v = (double) c / seq.length;
                        break;
                    case "binary":
                        v = 1;
                        break;
                    default:
                        v = (1 + Math.log(c)) * Math.log(1 + documentCount / (1.0 + indexDocs.getOrDefault(j, 0)));
                }
                x[i * width + j] = (float) v;
            }
        }
        return Tensor.of(x, sequences.size(), width);
    }

    // ---- what fitting learned ----

    /**
     * Word to id (1 = most frequent, or the oov token), in Keras's order.
     *
     * @return an unmodifiable view
     */
    public Map<String, Integer> wordIndex() {
        return Collections.unmodifiableMap(wordIndex);
    }

    /**
     * Id to word.
     *
     * @return an unmodifiable view
     */
    public Map<Integer, String> indexWord() {
        return Collections.unmodifiableMap(indexWord);
    }

    /**
     * How often each word appeared, in order of first appearance.
     *
     * @return an unmodifiable view
     */
    public Map<String, Integer> wordCounts() {
        return Collections.unmodifiableMap(wordCounts);
    }

    /**
     * In how many texts each word appeared.
     *
     * @return an unmodifiable view
     */
    public Map<String, Integer> wordDocs() {
        return Collections.unmodifiableMap(wordDocs);
    }

    /**
     * Number of texts fitted on.
     *
     * @return the count
     */
    public int documentCount() {
        return documentCount;
    }
}
