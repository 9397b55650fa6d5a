package org.merlab.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.merlab.data.DataException;

/**
 * Face-frame embeddings from a TorchScript image model (MANet or ResNet-FER, {@link FaceModelKind}),
 * averaged over each clip's frames.
 *
 * <p>Frames are batched across clip boundaries: {@link #add} queues a clip's frames, every full batch
 * of {@code batchSize} frames is decoded and preprocessed in parallel, run through the model in one
 * forward pass, and each output row is added to its clip's sum; a clip is reported to its callback as
 * soon as its last frame has been run. {@link #flush} runs the last, partial batch. A clip whose
 * frame cannot be read is reported with the error (its other frames are dropped).
 */
public final class FaceExtractor {
    /** A finished clip: the mean embedding, and the per-frame rows (frames × dim, row-major) when kept. */
    public record ClipEmbedding(String name, float[] mean, float[] frames, int frameCount) {}

    /** Called once per clip, with the embedding, or with the error that stopped it. */
    public interface Callback {
        void done(ClipEmbedding embedding, RuntimeException error);
    }

    private static final class Pending {
        final String name;
        final int total;
        final double[] sum;
        final float[] rows;
        final Callback callback;
        int seen;
        RuntimeException error;

        Pending(String name, int total, int dim, boolean keepFrames, Callback callback) {
            this.name = name;
            this.total = total;
            this.sum = new double[dim];
            this.rows = keepFrames ? new float[total * dim] : null;
            this.callback = callback;
        }
    }

    private record Item(Pending clip, int index, Path frame) {}

    private final TorchScriptModel model;
    private final FaceModelKind kind;
    private final int batchSize;
    private final boolean keepFrames;
    private final List<Item> queue = new ArrayList<>();
    private final float[] buffer;
    private long framesRun;

    /** Checks the model on one blank image: it must return (1, kind.dim()) embeddings. */
    public FaceExtractor(TorchScriptModel model, FaceModelKind kind, int batchSize, boolean keepFrames) {
        if (batchSize < 1) throw new IllegalArgumentException("--batch must be >= 1");
        this.model = model;
        this.kind = kind;
        this.batchSize = batchSize;
        this.keepFrames = keepFrames;
        String sideKind = model.sidecarString("kind");
        if (sideKind != null && !sideKind.equals(kind.id())) {
            throw new DataException(model.file(), "this model was exported as '" + sideKind + "', but --kind " + kind.id() + " was asked",
                    "pass --kind " + sideKind + ", or the " + kind.id() + " model");
        }
        this.buffer = new float[batchSize * 3 * FaceModelKind.INPUT * FaceModelKind.INPUT];
        try (NDManager m = model.newManager()) {
            embeddings(m, new float[3 * FaceModelKind.INPUT * FaceModelKind.INPUT], 1);
        }
    }

    public FaceModelKind kind() {
        return kind;
    }

    /** Frames run through the model so far. */
    public long framesRun() {
        return framesRun;
    }

    /** Queues one clip's frames (in order); a clip with none is reported at once with a zero embedding. */
    public void add(String name, List<Path> frames, Callback callback) {
        Pending p = new Pending(name, frames.size(), kind.dim(), keepFrames, callback);
        if (frames.isEmpty()) {
            callback.done(new ClipEmbedding(name, new float[kind.dim()], keepFrames ? new float[0] : null, 0), null);
            return;
        }
        for (int i = 0; i < frames.size(); i++) {
            queue.add(new Item(p, i, frames.get(i)));
            if (queue.size() == batchSize) runBatch();
        }
    }

    /** Runs what is queued. */
    public void flush() {
        if (!queue.isEmpty()) runBatch();
    }

    private void runBatch() {
        int n = queue.size();
        int per = 3 * FaceModelKind.INPUT * FaceModelKind.INPUT;
        RuntimeException[] errors = new RuntimeException[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            Item it = queue.get(i);
            if (it.clip.error != null) return;
            try {
                kind.toInput(RgbImage.read(it.frame), buffer, i * per);
            } catch (RuntimeException e) {
                errors[i] = e;
            }
        });
        for (int i = 0; i < n; i++) {
            if (errors[i] != null && queue.get(i).clip.error == null) queue.get(i).clip.error = errors[i];
        }
        float[] emb;
        try (NDManager m = model.newManager()) {
            emb = embeddings(m, buffer, n);
        }
        framesRun += n;
        int dim = kind.dim();
        for (int i = 0; i < n; i++) {
            Item it = queue.get(i);
            Pending p = it.clip;
            if (p.error == null) {
                for (int d = 0; d < dim; d++) p.sum[d] += emb[i * dim + d];
                if (p.rows != null) System.arraycopy(emb, i * dim, p.rows, it.index * dim, dim);
            }
            if (++p.seen == p.total) finish(p);
        }
        queue.clear();
    }

    private void finish(Pending p) {
        if (p.error != null) {
            p.callback.done(null, p.error);
            return;
        }
        float[] mean = new float[p.sum.length];
        for (int d = 0; d < mean.length; d++) mean[d] = (float) (p.sum[d] / p.total);
        p.callback.done(new ClipEmbedding(p.name, mean, p.rows, p.total), null);
    }

    /** Runs {@code n} preprocessed images from {@code input} and returns n × dim embeddings, checking the shape. */
    private float[] embeddings(NDManager m, float[] input, int n) {
        int per = 3 * FaceModelKind.INPUT * FaceModelKind.INPUT;
        float[] data = input.length == n * per ? input : java.util.Arrays.copyOf(input, n * per);
        NDArray x = m.create(data, new Shape(n, 3, FaceModelKind.INPUT, FaceModelKind.INPUT));
        NDList out = model.forward(new NDList(x));
        if (out.size() != 1) {
            throw new DataException(model.file(), "the model returns " + out.size() + " outputs; a " + kind.id() + " model returns one (N, "
                    + kind.dim() + ") embedding", "export it with environment/export/export_" + kind.id().replace('-', '_') + ".py");
        }
        NDArray e = out.head();
        Shape s = e.getShape();
        boolean trailingOnes = true;
        for (int i = 2; i < s.dimension(); i++) trailingOnes &= s.get(i) == 1;
        if (s.dimension() < 2 || s.get(0) != n || !trailingOnes) {
            throw new DataException(model.file(), "the model returns shape " + s + " for " + n + " images; expected (" + n + ", " + kind.dim() + ")",
                    "export it with environment/export/export_" + kind.id().replace('-', '_') + ".py");
        }
        if (s.get(1) != kind.dim()) {
            String hint = s.get(1) == FaceModelKind.MANET.dim() ? " (a MANet model? use --kind manet)"
                    : s.get(1) == FaceModelKind.RESNET_FER.dim() ? " (a ResNet-FER model? use --kind resnet-fer)" : "";
            throw new DataException(model.file(), "the model returns " + s.get(1) + "-d embeddings, but --kind " + kind.id() + " expects "
                    + kind.dim() + hint, "pass the " + kind.id() + " model, or the right --kind");
        }
        return e.reshape(n, kind.dim()).toFloatArray();
    }
}
