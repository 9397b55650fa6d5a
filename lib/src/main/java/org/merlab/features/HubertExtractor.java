package org.merlab.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.merlab.data.DataException;

/**
 * Per-layer utterance embeddings from a HuBERT/wav2vec2-style TorchScript model that returns every
 * hidden state (the contract of {@code environment/export/export_hubert.py}: input (1, S) float32 at
 * 16 kHz; output a tuple of L+1 tensors (1, T, D), or one (L+1, 1, T, D) tensor; T = ⌊(S − 400)/320⌋ + 1).
 *
 * <p><b>Normalisation.</b> When the model's feature extractor normalises (HF {@code do_normalize},
 * true for chinese-hubert-large; the sidecar's {@code "normalize"}), the whole clip is scaled to zero
 * mean and unit variance, {@code (x − mean)/√(var + 1e−7)}, once, before any chunking — as
 * {@code Wav2Vec2FeatureExtractor} does.
 *
 * <p><b>Chunking.</b> A clip longer than {@code chunkSeconds} is cut into cores of equal length (in
 * frames) covering all its T frames; each core is run with {@code contextSeconds} of extra audio on
 * both sides (clipped at the clip's ends) and only the core's frames are kept. Frames are aligned with
 * the one-pass frames exactly (windows start at multiples of the 320-sample hop), so the convolutional
 * features — local, with HuBERT-large's per-frame layer norm — are identical; what changes is the
 * transformer's context: attention sees the window instead of the clip, and the convolutional position
 * embedding (128 frames wide in HuBERT-large) sees zeros beyond the window's ends. Memory then grows
 * with the window, not the clip (attention is quadratic in T). Pooled features are the mean of the kept
 * frames over the whole clip (a frame-weighted mean of the chunks). {@code chunkSeconds <= 0} runs
 * every clip in one pass. See docs/benchmarks.md for the measured effect.
 *
 * <p>Windows are run one at a time: batching windows of different lengths would need padding, and
 * the exported models take no attention mask, so padding would change the outputs.
 */
public final class HubertExtractor {
    public static final int SAMPLE_RATE = 16000;
    public static final int DEFAULT_HOP = 320;
    public static final int DEFAULT_RECEPTIVE_FIELD = 400;

    /**
     * What to extract. {@code layers}: hidden-state indices (HF numbering); {@code normalize},
     * {@code hop}, {@code receptiveField} (the conv stack's geometry in samples): null = the model
     * sidecar's value, else true / 320 / 400.
     */
    public record Options(int[] layers, double chunkSeconds, double contextSeconds, Boolean normalize, boolean frameLevel,
                          Integer hop, Integer receptiveField) {
        public Options {
            if (layers == null || layers.length == 0) throw new IllegalArgumentException("no layers asked");
            layers = layers.clone();
            for (int k : layers) if (k < 0) throw new IllegalArgumentException("negative layer " + k);
            if (contextSeconds < 0) throw new IllegalArgumentException("--context-seconds must be >= 0");
            if ((hop != null && hop <= 0) || (receptiveField != null && receptiveField <= 0)) throw new IllegalArgumentException("hop and receptive field must be positive");
        }

        public static Options of(int[] layers) {
            return new Options(layers, 20, 2, null, false, null, null);
        }

        public Options withChunking(double chunkSeconds, double contextSeconds) {
            return new Options(layers, chunkSeconds, contextSeconds, normalize, frameLevel, hop, receptiveField);
        }

        public Options withFrameLevel(boolean frameLevel) {
            return new Options(layers, chunkSeconds, contextSeconds, normalize, frameLevel, hop, receptiveField);
        }

        public Options withNormalize(Boolean normalize) {
            return new Options(layers, chunkSeconds, contextSeconds, normalize, frameLevel, hop, receptiveField);
        }

        public int maxLayer() {
            return Arrays.stream(layers).max().orElseThrow();
        }
    }

    /** Receives kept frames of one requested layer, in order: rows × dim values, row-major. */
    public interface FrameSink {
        void accept(int layerIndex, float[] rows, int rowCount);
    }

    /** Pooled embeddings, one per requested layer (in {@link Options#layers} order), and the frame count. */
    public record Result(float[][] pooled, int frames, int windows, List<String> warnings) {}

    private final TorchScriptModel model;
    private final Options options;
    private final boolean normalize;
    private final int hop;
    private final int receptiveField;
    private final int hiddenStates;
    private final int dim;

    /**
     * Opens an extractor and checks the model on 0.5 s of silence: it must return enough hidden
     * states for the asked layers, all of one shape, with the expected frame count.
     */
    public HubertExtractor(TorchScriptModel model, Options options) {
        this.model = model;
        this.options = options;
        this.normalize = options.normalize() != null ? options.normalize() : model.sidecarBoolean("normalize", true);
        this.hop = options.hop() != null ? options.hop() : model.sidecarInt("hop", DEFAULT_HOP);
        this.receptiveField = options.receptiveField() != null ? options.receptiveField() : model.sidecarInt("receptive_field", DEFAULT_RECEPTIVE_FIELD);
        int rate = model.sidecarInt("sample_rate", SAMPLE_RATE);
        if (rate != SAMPLE_RATE) {
            throw new DataException(model.file(), "the model's .json says it takes " + rate + " Hz audio; merlab feeds 16 kHz", "use a 16 kHz model");
        }
        String kind = model.sidecarString("kind");
        if (kind != null && !kind.equals("hubert")) {
            throw new DataException(model.file(), "this is a '" + kind + "' model, not an audio (HuBERT) model",
                    "pass the model exported by export_hubert.py");
        }
        int probe = Math.max(receptiveField, SAMPLE_RATE / 2);
        try (NDManager m = model.newManager()) {
            List<NDArray> hs = run(m, new float[probe]);
            this.hiddenStates = hs.size();
            this.dim = (int) hs.get(0).getShape().get(2);
        }
        if (options.maxLayer() >= hiddenStates) {
            throw new DataException(model.file(), "the model returns " + hiddenStates + " hidden states (layers 0.." + (hiddenStates - 1)
                    + "), but layer " + options.maxLayer() + " was asked",
                    "ask for --layers within 0-" + (hiddenStates - 1) + ", or export the model with all hidden states (export_hubert.py)");
        }
    }

    public int hiddenStates() {
        return hiddenStates;
    }

    /** The last hidden-state index (24 for HuBERT-large). */
    public int lastLayer() {
        return hiddenStates - 1;
    }

    public int dim() {
        return dim;
    }

    public boolean normalizes() {
        return normalize;
    }

    public Options options() {
        return options;
    }

    /** Frames the model makes from {@code samples} samples (clips shorter than one receptive field are padded to it). */
    public int framesFor(int samples) {
        int s = Math.max(samples, receptiveField);
        return (s - receptiveField) / hop + 1;
    }

    /** Runs the model over one 16 kHz mono clip (chunked as configured); {@code sink} gets frames when not null. */
    public Result extract(float[] wave16k, FrameSink sink) {
        List<String> warnings = new ArrayList<>();
        float[] x = wave16k;
        if (x.length < receptiveField) {
            warnings.add("clip has " + x.length + " samples, fewer than one " + receptiveField
                    + "-sample frame; zero-padded to one frame");
            x = Arrays.copyOf(x, receptiveField);
        }
        if (normalize) x = normalized(x);
        int total = framesFor(x.length);
        int[] layers = options.layers();
        double[][] sums = new double[layers.length][dim];
        int chunk = options.chunkSeconds() <= 0 ? 0 : (int) Math.max(1, Math.round(options.chunkSeconds() * SAMPLE_RATE / hop));
        int context = (int) Math.round(options.contextSeconds() * SAMPLE_RATE / hop);
        int windows = 0;
        if (chunk == 0 || total <= chunk) {
            runWindow(x, 0, x.length, 0, total, 0, sums, sink);
            windows = 1;
        } else {
            int n = (total + chunk - 1) / chunk;
            int size = (total + n - 1) / n;
            for (int f0 = 0; f0 < total; f0 += size) {
                int f1 = Math.min(total, f0 + size);
                int w0 = Math.max(0, f0 - context);
                int w1 = Math.min(total, f1 + context);
                int s0 = w0 * hop;
                int s1 = (w1 - 1) * hop + receptiveField;
                runWindow(x, s0, s1, f0 - w0, f1 - w0, w1 - w0, sums, sink);
                windows++;
            }
        }
        float[][] pooled = new float[layers.length][dim];
        for (int i = 0; i < layers.length; i++) {
            for (int d = 0; d < dim; d++) pooled[i][d] = (float) (sums[i][d] / total);
        }
        return new Result(pooled, total, windows, warnings);
    }

    /** Runs samples [s0, s1) and adds frames [keep0, keep1) of the window to the sums. */
    private void runWindow(float[] x, int s0, int s1, int keep0, int keep1, int expectFrames, double[][] sums, FrameSink sink) {
        float[] w = s0 == 0 && s1 == x.length ? x : Arrays.copyOfRange(x, s0, s1);
        int want = expectFrames > 0 ? expectFrames : framesFor(w.length);
        try (NDManager m = model.newManager()) {
            List<NDArray> hs = run(m, w);
            int[] layers = options.layers();
            for (int i = 0; i < layers.length; i++) {
                NDArray h = hs.get(layers[i]);
                long frames = h.getShape().get(1);
                if (frames != want) {
                    throw new DataException(model.file(), "the model made " + frames + " frames from " + w.length + " samples; expected "
                            + want + " (hop " + hop + ", receptive field " + receptiveField + ")",
                            "set the model's frame geometry with --hop/--receptive-field (or in its .json), or run without chunking (--chunk-seconds 0)");
                }
                NDArray kept = h.get(new NDIndex("0, {}:{}, :", keep0, keep1));
                float[] s = kept.sum(new int[] {0}).toFloatArray(); // libtorch's float sum is cascaded: accurate enough
                double[] acc = sums[i];
                for (int d = 0; d < dim; d++) acc[d] += s[d];
                if (sink != null) sink.accept(i, kept.toFloatArray(), keep1 - keep0);
            }
        }
    }

    /** The hidden states for one waveform, each (1, T, D), attached to {@code m}. */
    private List<NDArray> run(NDManager m, float[] wave) {
        NDArray input = m.create(wave, new Shape(1, wave.length));
        NDList out = model.forward(new NDList(input));
        List<NDArray> hs = new ArrayList<>();
        if (out.size() == 1 && out.head().getShape().dimension() == 4) {
            NDArray stacked = out.head();
            for (long k = 0; k < stacked.getShape().get(0); k++) hs.add(stacked.get(k));
        } else {
            hs.addAll(out);
        }
        Shape first = hs.get(0).getShape();
        for (int k = 0; k < hs.size(); k++) {
            Shape s = hs.get(k).getShape();
            if (s.dimension() != 3 || s.get(0) != 1 || !s.equals(first)) {
                throw new DataException(model.file(), "output " + k + " has shape " + s + "; expected every hidden state as (1, T, D) like "
                        + first, "export the model with export_hubert.py (a tuple of all hidden states)");
            }
        }
        return hs;
    }

    /** {@code (x − mean) / sqrt(var + 1e−7)} over the clip (HF Wav2Vec2FeatureExtractor's do_normalize). */
    public static float[] normalized(float[] x) {
        double mean = 0;
        for (float v : x) mean += v;
        mean /= x.length;
        double var = 0;
        for (float v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        float fm = (float) mean;
        float inv = (float) (1.0 / Math.sqrt((float) var + 1e-7f));
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (x[i] - fm) * inv;
        return y;
    }
}
