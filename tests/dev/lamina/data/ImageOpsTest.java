package dev.lamina.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backends;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageOpsTest {
    private static final int N = 6, H = 4, W = 5, C = 2;

    /** Pixel value 1000·n + 100·r + 10·c + ch + 1: every pixel distinct and non-zero. */
    private static float[] images() {
        float[] v = new float[N * H * W * C];
        for (int n = 0; n < N; n++) {
            for (int r = 0; r < H; r++) {
                for (int c = 0; c < W; c++) {
                    for (int ch = 0; ch < C; ch++) {
                        v[((n * H + r) * W + c) * C + ch] = 1000 * n + 100 * r + 10 * c + ch + 1;
                    }
                }
            }
        }
        return v;
    }

    private static float at(float[] v, int n, int r, int c, int ch) {
        return v[((n * H + r) * W + c) * C + ch];
    }

    @Test
    void toCategoricalIsOneHot() {
        try (Scope s = Scope.open()) {
            Tensor t = ImageOps.toCategorical(new int[] {2, 0, 1}, 3);
            assertArrayEquals(new long[] {3, 3}, t.shape());
            assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0}, t.toFloatArray(), 0f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ImageOps.toCategorical(new int[] {0, 3}, 3));
            assertTrue(e.getMessage().contains("label 3 at position 1"), e.getMessage());
        }
    }

    @Test
    void standardizerUsesPerChannelStatistics() {
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(3);
            float[] v = new float[200 * C];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (i % C == 0 ? 5 + 2 * rng.nextGaussian() : -1 + 0.5 * rng.nextGaussian());
            }
            Tensor x = Tensor.of(v, 10, 4, 5, C);
            ImageOps.Standardizer st = ImageOps.Standardizer.fit(x);
            for (int ch = 0; ch < C; ch++) {
                double m = 0, sd = 0;
                for (int i = ch; i < v.length; i += C) {
                    m += v[i] / 200.0;
                }
                for (int i = ch; i < v.length; i += C) {
                    sd += (v[i] - m) * (v[i] - m) / 200.0;
                }
                assertEquals(m, st.mean()[ch], 1e-9);
                assertEquals(Math.sqrt(sd), st.std()[ch], 1e-9);
            }
            float[] y = st.transform(x).toFloatArray();
            for (int ch = 0; ch < C; ch++) {
                double m = 0, q = 0;
                for (int i = ch; i < y.length; i += C) {
                    m += y[i] / 200.0;
                    q += y[i] * y[i] / 200.0;
                }
                assertEquals(0, m, 1e-5, "channel " + ch + " mean");
                assertEquals(1, q - m * m, 1e-4, "channel " + ch + " variance");
            }
            assertThrows(IllegalArgumentException.class, () -> st.transform(Tensor.zeros(dev.lamina.types.DType.FLOAT32, 1, 2, 2, 3)));
        }
    }

    @Test
    void flipsMirrorTheChosenImagesDeterministically() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(images(), N, H, W, C);
            float[] all = ImageOps.flipLeftRight(x).toFloatArray();
            float[] a = ImageOps.randomFlipLeftRight(x, 11).toFloatArray();
            float[] b = ImageOps.randomFlipLeftRight(x, 11).toFloatArray();
            assertArrayEquals(a, b, 0f, "same seed, same flips");
            float[] src = images();
            int flipped = 0;
            for (int n = 0; n < N; n++) {
                boolean isFlipped = at(a, n, 0, 0, 0) == at(src, n, 0, W - 1, 0);
                flipped += isFlipped ? 1 : 0;
                for (int r = 0; r < H; r++) {
                    for (int c = 0; c < W; c++) {
                        for (int ch = 0; ch < C; ch++) {
                            assertEquals(at(src, n, r, W - 1 - c, ch), at(all, n, r, c, ch), 0f);
                            assertEquals(isFlipped ? at(src, n, r, W - 1 - c, ch) : at(src, n, r, c, ch), at(a, n, r, c, ch), 0f);
                        }
                    }
                }
            }
            assertTrue(flipped > 0 && flipped < N, "a mix of flipped and kept images, got " + flipped);
            boolean differs = false;
            for (long seed = 12; seed < 20 && !differs; seed++) {
                differs = !Arrays.equals(a, ImageOps.randomFlipLeftRight(x, seed).toFloatArray());
            }
            assertTrue(differs, "other seeds give other flips");
        }
    }

    @Test
    void randomCropsAreShiftedWindowsOfThePaddedImage() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(images(), N, H, W, C);
            float[] a = ImageOps.randomCrop(x, 2, 5).toFloatArray();
            assertArrayEquals(a, ImageOps.randomCrop(x, 2, 5).toFloatArray(), 0f, "same seed, same crops");
            assertFalse(Arrays.equals(a, ImageOps.randomCrop(x, 2, 6).toFloatArray()), "another seed, other crops");
            assertArrayEquals(images(), ImageOps.randomCrop(x, 0, 5).toFloatArray(), 0f, "padding 0 is the identity");
            float[] src = images();
            for (int n = 0; n < N; n++) {
                // find the offset (dy, dx) in [−2, 2]² that explains image n exactly
                int found = 0;
                for (int dy = -2; dy <= 2; dy++) {
                    for (int dx = -2; dx <= 2; dx++) {
                        boolean ok = true;
                        for (int r = 0; r < H && ok; r++) {
                            for (int c = 0; c < W && ok; c++) {
                                for (int ch = 0; ch < C && ok; ch++) {
                                    int sr = r + dy, sc = c + dx;
                                    float want = sr < 0 || sr >= H || sc < 0 || sc >= W ? 0 : at(src, n, sr, sc, ch);
                                    ok = want == at(a, n, r, c, ch);
                                }
                            }
                        }
                        found += ok ? 1 : 0;
                    }
                }
                assertEquals(1, found, "image " + n + " is one shifted window");
            }
            assertThrows(IllegalArgumentException.class, () -> ImageOps.randomCrop(x, -1, 0));
        }
    }

    @Test
    void augmentationKeepsTheBackendAndFreesMemory() {
        long base = Backends.cpu().bytesInUse();
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            Tensor x = Tensor.of(images(), N, H, W, C);
            Tensor y = ImageOps.randomCrop(ImageOps.randomFlipLeftRight(x, 1), 1, 2);
            assertEquals(Backends.cpu(), y.backend());
            ImageOps.Standardizer.fit(x).transform(y);
        }
        assertEquals(base, Backends.cpu().bytesInUse());
    }
}
