package org.merlab.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.merlab.data.LabelSet;
import org.merlab.data.Split;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.metrics.MerScore;
import org.merlab.model.MerModel;
import org.merlab.model.ModelSpec;
import org.merlab.model.Models;
import org.merlab.model.StackedModel;

/**
 * Trains K (seed, fold) models of one config as one batched computation ({@link StackedModel}):
 * parameters stacked on a leading model axis, each model with its own initial weights (exactly the
 * sequential engine's: the same {@code Engine.setRandomSeed(foldSeed)} before building it), its own
 * shuffles (the same {@link SplittableRandom} stream as {@link FoldTrainer}), its own Adam state
 * ({@link StackedAdam}), its own best-epoch selection and patience stop. Folds whose training parts
 * differ in size take a different number of batches; a model with no rows left in a step is masked
 * (no loss, no update). The result of each model is the {@link FoldResult} the sequential engine
 * would produce, up to floating-point order and dropout masks.
 *
 * <p>Dropout: every model draws its masks from its own stream, seeded by (seed, fold, epoch, batch),
 * so a model's result does not depend on which other models share its batch (resume retrains a
 * missing fold alone and gets the same numbers). The masks differ from the sequential engine's
 * (libtorch's global generator there), so sequential and batched runs agree exactly only without
 * dropout, and within run-to-run noise with it.
 *
 * <p>K: {@code -Dmerlab.batch.k=N} caps it; otherwise every pending model of the run, limited by an
 * estimate of the memory each takes against a quarter of the device's (or the machine's) memory.
 */
final class BatchedTrainer {
    /** {@code batched} (default) or {@code sequential}. */
    static final String ENGINE_PROPERTY = "merlab.engine";
    /** Maximum number of models trained together. */
    static final String MAX_K_PROPERTY = "merlab.batch.k";

    private BatchedTrainer() {}

    /** One (seed, fold) to train. */
    record Job(long seed, int fold, int[] trainRows, int[] heldRows, int source) {
        Job(long seed, int fold, int[] trainRows, int[] heldRows) {
            this(seed, fold, trainRows, heldRows, 0);
        }
    }

    /** Whether runs use this engine (the default) rather than {@link FoldTrainer}. */
    static boolean enabled() {
        return !"sequential".equalsIgnoreCase(System.getProperty(ENGINE_PROPERTY, "batched").trim());
    }

    /** The K used for {@code pending} models of this config. */
    static int chooseK(ExperimentConfig config, DeviceData data, int pending) {
        String prop = System.getProperty(MAX_K_PROPERTY);
        if (prop != null && !prop.isBlank()) return Math.max(1, Math.min(pending, Integer.parseInt(prop.trim())));
        long per = bytesPerModel(config, data);
        long budget = memoryBudget(data.device);
        int k = (int) Math.max(1, Math.min(pending, budget / Math.max(1, per)));
        return k;
    }

    /** Rough bytes one model takes: parameters ×4 (weights, gradient, two moments), activations, held-out inputs. */
    static long bytesPerModel(ExperimentConfig config, DeviceData data) {
        ExperimentConfig.Model m = config.model();
        long params = 0;
        long sumD = 0;
        for (long[] g : data.groupDims) for (long d : g) {
            params += d * m.hidden() + (long) m.hidden() * m.d();
            sumD += d;
        }
        params += 8L * m.d() * m.d(); // attention / gathered encoders, roughly
        long batch = config.protocol().batchSize();
        long held = data.trainClass.length / Math.max(2, config.protocol().folds()) + 1;
        long acts = 16L * batch * (sumD + 8L * m.hidden());
        long eval = held * (sumD + 8L * m.hidden());
        return 4L * (4 * params + acts + eval);
    }

    private static long memoryBudget(Device device) {
        if (device.isGpu()) {
            try {
                java.lang.management.MemoryUsage u = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
                return (u.getMax() - u.getUsed()) / 2;
            } catch (RuntimeException | LinkageError e) {
                return 4L << 30;
            }
        }
        try {
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            return os.getTotalMemorySize() / 4;
        } catch (RuntimeException | LinkageError e) {
            return 2L << 30;
        }
    }

    /** Trains the jobs in groups of at most K; {@code sink} gets each finished fold, group after group, in job order. */
    static void train(ExperimentConfig config, DeviceData data, int folds, List<Job> jobs, RunListener listener,
                      Consumer<FoldResult> sink) {
        train(List.of(config), List.of(data), folds, jobs, listener, sink);
    }

    /**
     * Several configs identical except for the feature they read (a layer sweep): source i is config i with its
     * data; each job names its source. Jobs are trained grouped by source (contiguous), K at a time.
     */
    static void train(List<ExperimentConfig> configs, List<DeviceData> sources, int folds, List<Job> jobs, RunListener listener,
                      Consumer<FoldResult> sink) {
        List<Job> sorted = new ArrayList<>(jobs);
        sorted.sort(java.util.Comparator.comparingInt(Job::source)); // stable: seed/fold order kept within a source
        int k = chooseK(configs.get(0), sources.get(0), sorted.size());
        for (int from = 0; from < sorted.size(); from += k) {
            List<Job> group = sorted.subList(from, Math.min(sorted.size(), from + k));
            for (FoldResult r : trainGroup(configs, sources, folds, group, listener)) sink.accept(r);
        }
    }

    /** Per-model training state. */
    private static final class Slot {
        final Job job;
        final long[] order;
        final int batches;
        final SplittableRandom shuffler;
        final long dropoutSeed;
        final SplitPredictions heldTemplate;
        final float[] mu0;
        final List<EpochStats> curves = new ArrayList<>();
        boolean active = true;
        boolean stoppedEarly;
        int epochsRun;
        int bestEpoch;
        double bestCombined = Double.NEGATIVE_INFINITY;
        Score bestScore;
        SplitPredictions bestHeld;
        Map<String, SplitPredictions> bestTests = new LinkedHashMap<>();
        Map<String, AttentionSummary> bestAttention = new LinkedHashMap<>();
        float[] muKept;

        Slot(Job job, int batchSize, SplitPredictions heldTemplate, float[] mu0) {
            this.job = job;
            this.order = FoldTrainer.toLong(job.trainRows());
            this.batches = (order.length + batchSize - 1) / batchSize;
            this.shuffler = new SplittableRandom(FoldTrainer.foldSeed(job.seed(), job.fold(), 1));
            this.dropoutSeed = FoldTrainer.foldSeed(job.seed(), job.fold(), 2);
            this.heldTemplate = heldTemplate;
            this.mu0 = mu0;
        }
    }

    static List<FoldResult> trainGroup(List<ExperimentConfig> configs, List<DeviceData> sources, int folds, List<Job> group,
                                       RunListener listener) {
        // libtorch's grad mode is per thread and on by default on threads other than the one that started the
        // engine: outside the gradient collector (optimizer, evaluation, accumulators) no graph may be recorded
        Boolean before = gradMode(null);
        gradMode(false);
        try {
            return trainGroupNoGrad(configs, sources, folds, group, listener);
        } finally {
            if (before != null) gradMode(before);
        }
    }

    /** Reads (value null) or sets libtorch's grad mode of this thread; null when the engine has none. */
    private static Boolean gradMode(Boolean value) {
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils", true, Engine.getInstance().getClass().getClassLoader());
            if (value == null) return (Boolean) jni.getMethod("isGradMode").invoke(null);
            jni.getMethod("setGradMode", boolean.class).invoke(null, value);
            return value;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static List<FoldResult> trainGroupNoGrad(List<ExperimentConfig> configs, List<DeviceData> sources, int folds,
                                                    List<Job> group, RunListener listener) {
        ExperimentConfig config = configs.get(group.get(0).source());
        DeviceData data = sources.get(group.get(0).source());
        // contiguous runs of models reading the same source: [start, end) per source in use
        List<int[]> segments = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            int src = group.get(i).source();
            if (segments.isEmpty() || segments.get(segments.size() - 1)[2] != src) segments.add(new int[] {i, i + 1, src});
            else segments.get(segments.size() - 1)[1] = i + 1;
        }
        ExperimentConfig.Protocol p = config.protocol();
        int epochs = p.epochs();
        int batchSize = p.batchSize();
        Integer patience = p.patience();
        Engine engine = Engine.getInstance();
        Device device = data.device;
        long started = System.nanoTime();
        int k = group.size();
        FoldTrainer.checkInterrupt(group.get(0).seed(), group.get(0).fold(), 0);

        LabelSet train = data.trainLabels;
        Map<Split, SplitPredictions> testTemplates = new LinkedHashMap<>();
        data.testLabels.forEach((s, labels) -> testTemplates.put(s,
                FoldTrainer.template(s.id(), labels, FoldTrainer.allRows(labels.size()))));
        List<Slot> slots = new ArrayList<>(k);
        for (Job j : group) {
            float[] mu0 = FoldTrainer.classMeanValence(data.trainClass, data.trainValence, j.trainRows());
            slots.add(new Slot(j, batchSize, FoldTrainer.template("train", train, j.heldRows()), mu0));
        }
        ExperimentConfig.Loss lossCfg = config.loss();
        float lambdaE = lossCfg.emotionWeight() == null ? 1f : lossCfg.emotionWeight().floatValue();
        float lambdaV = lossCfg.valenceWeight() == null ? 1f : lossCfg.valenceWeight().floatValue();

        try (NDManager gm = data.manager.newSubManager(device)) {
            StackedModel model;
            ModelSpec spec = FoldTrainer.spec(config, data.groupDims, slots.get(0).mu0);
            try (NDManager init = gm.newSubManager(device)) {
                List<MerModel> models = new ArrayList<>(k);
                for (Slot s : slots) {
                    engine.setRandomSeed((int) FoldTrainer.foldSeed(s.job.seed(), s.job.fold(), 0));
                    MerModel m = Models.build(FoldTrainer.spec(configs.get(s.job.source()), sources.get(s.job.source()).groupDims, s.mu0));
                    m.initialize(init, DataType.FLOAT32, m.inputShapes(1));
                    models.add(m);
                }
                model = StackedModel.of(spec, models, gm);
            }
            for (Slot s : slots) listener.onFoldStart(configs.get(s.job.source()).name(), s.job.seed(), s.job.fold(), epochs);
            StackedAdam adam = new StackedAdam(model, p.learningRate().floatValue(), p.weightDecay().floatValue(), gm);

            // held-out rows of every model, padded to the longest, gathered once
            int hMax = 0;
            for (Slot s : slots) hMax = Math.max(hMax, s.job.heldRows().length);
            long[] heldIdx = new long[k * hMax];
            for (int i = 0; i < k; i++) {
                int[] h = slots.get(i).job.heldRows();
                for (int r = 0; r < hMax; r++) heldIdx[i * hMax + r] = h[Math.min(r, h.length - 1)];
            }
            NDArray heldIdxArray = gm.create(heldIdx, new Shape(k, hMax));
            NDList heldInputs = gather(sources, segments, heldIdxArray);
            int nd = data.numDistinct();
            int dropoutWidth = model.dropoutWidth();
            boolean dropout = config.model().dropout() > 0;

            for (int epoch = 1; epoch <= epochs; epoch++) {
                boolean any = false;
                for (Slot s : slots) any |= s.active;
                if (!any) break;
                long t0 = System.nanoTime();
                int steps = 0;
                int activeCount = 0;
                for (Slot s : slots) {
                    if (!s.active) continue;
                    FoldTrainer.shuffle(s.order, s.shuffler);
                    steps = Math.max(steps, s.batches);
                    activeCount++;
                }
                float[] lossSum;
                try (NDManager em = gm.newSubManager(device)) {
                    NDArray lossAcc = em.zeros(new Shape(k), DataType.FLOAT32);
                    long[] idx = new long[k * batchSize];
                    float[] mask = new float[k * batchSize];
                    float[] count = new float[k];
                    float[] weight = new float[k];
                    boolean[] step = new boolean[k];
                    for (int b = 0; b < steps; b++) {
                        FoldTrainer.checkInterrupt(group.get(0).seed(), group.get(0).fold(), epoch);
                        for (int i = 0; i < k; i++) {
                            Slot s = slots.get(i);
                            int from = b * batchSize;
                            int to = Math.min(s.order.length, from + batchSize);
                            step[i] = s.active && from < to;
                            for (int r = 0; r < batchSize; r++) {
                                boolean valid = step[i] && from + r < to;
                                idx[i * batchSize + r] = valid ? s.order[from + r] : 0;
                                mask[i * batchSize + r] = valid ? 1f : 0f;
                            }
                            count[i] = step[i] ? to - from : 1;
                            weight[i] = step[i] ? 1f : 0f;
                        }
                        try (NDScope scope = new NDScope()) {
                            NDArray idxArray = em.create(idx, new Shape(k, batchSize));
                            NDList inputs = gather(sources, segments, idxArray);
                            NDArray classes = data.trainClassArray.get(idxArray);
                            NDArray valence = data.trainValenceArray.get(idxArray);
                            NDArray maskArray = em.create(mask, new Shape(k, batchSize));
                            NDArray countArray = em.create(count, new Shape(k));
                            NDArray weightArray = em.create(weight, new Shape(k));
                            NDArray uniforms = dropout ? uniforms(engine, em, slots, step, epoch, b, batchSize, dropoutWidth) : null;
                            NDArray perModel;
                            try (GradientCollector gc = engine.newGradientCollector()) {
                                StackedModel.Output out = model.forward(inputs, uniforms);
                                perModel = model.losses(out, classes, valence, maskArray, countArray, lambdaE, lambdaV);
                                gc.backward(perModel.mul(weightArray).sum());
                            }
                            lossAcc.addi(perModel.mul(weightArray));
                            adam.step(step, em);
                            scope.suppressNotUsedWarning();
                        }
                    }
                    lossSum = lossAcc.toFloatArray();
                }
                double epochSeconds = (System.nanoTime() - t0) / 1e9;

                FoldTrainer.checkInterrupt(group.get(0).seed(), group.get(0).fold(), epoch);
                float[][] sigmas = sigmas(model);
                float[][] mus = mus(model);
                List<FoldTrainer.Eval> held = evaluate(model, heldInputs, slots, true);
                List<Integer> improvedSlots = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    Slot s = slots.get(i);
                    if (!s.active) continue;
                    FoldTrainer.Eval e = held.get(i);
                    SplitPredictions heldPred = s.heldTemplate.with(e.logits(), e.valence());
                    MerScore score = heldPred.score();
                    double combined = score.combined();
                    double c = Double.isNaN(combined) ? Double.NEGATIVE_INFINITY : combined;
                    boolean improved = s.bestEpoch == 0 || c > s.bestCombined;
                    if (improved) {
                        s.bestEpoch = epoch;
                        s.bestCombined = c;
                        s.bestScore = Score.of(score);
                        s.bestHeld = heldPred;
                        s.bestAttention = FoldTrainer.attention(configs.get(s.job.source()), null, e, heldPred.trueClass());
                        s.muKept = mus == null ? null : mus[i];
                        improvedSlots.add(i);
                    }
                    s.epochsRun = epoch;
                    Double se = sigmas == null ? null : (double) sigmas[i][0];
                    Double sv = sigmas == null ? null : (double) sigmas[i][1];
                    EpochStats stats = new EpochStats(epoch, lossSum[i] / s.batches, score.weightedF1(), score.accuracy(),
                            score.mse(), combined, se, sv, epochSeconds / activeCount);
                    s.curves.add(stats);
                    listener.onEpoch(configs.get(s.job.source()).name(), s.job.seed(), s.job.fold(), stats);
                    if (patience != null && epoch - s.bestEpoch >= patience && epoch < epochs) {
                        s.stoppedEarly = true;
                        s.active = false;
                    }
                }
                if (!improvedSlots.isEmpty()) {
                    for (Map.Entry<Split, NDList> t : data.testInputs.entrySet()) {
                        List<FoldTrainer.Eval> te;
                        try (NDScope scope = new NDScope()) {
                            te = evaluate(model, testInputs(sources, segments, t.getKey()), slots, false);
                            scope.suppressNotUsedWarning();
                        }
                        for (int i : improvedSlots) {
                            FoldTrainer.Eval e = te.get(i);
                            slots.get(i).bestTests.put(t.getKey().id(), testTemplates.get(t.getKey()).with(e.logits(), e.valence()));
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9 / k;
            List<FoldResult> results = new ArrayList<>(k);
            for (Slot s : slots) {
                FoldSummary summary = new FoldSummary(configs.get(s.job.source()).name(), s.job.seed(), s.job.fold(), folds, s.job.trainRows().length,
                        s.job.heldRows().length, s.bestEpoch, s.epochsRun, epochs, s.stoppedEarly, s.bestScore, s.curves,
                        s.bestAttention, spec.decoder() == ModelSpec.DecoderKind.SEPARATE ? null : s.mu0, s.muKept, seconds,
                        device.toString());
                results.add(new FoldResult(summary, s.bestHeld, s.bestTests));
            }
            return results;
        }
    }

    /** (K, B, W) uniforms: model i's from its own stream (seed, fold, epoch, batch); zeros for a model not stepping. */
    private static NDArray uniforms(Engine engine, NDManager m, List<Slot> slots, boolean[] step, int epoch, int batch,
                                    int batchSize, int width) {
        NDList parts = new NDList(slots.size());
        Shape shape = new Shape(batchSize, width);
        for (int i = 0; i < slots.size(); i++) {
            if (!step[i]) {
                parts.add(m.zeros(shape));
                continue;
            }
            long s = new SplittableRandom(slots.get(i).dropoutSeed + epoch * 1_000_003L + batch).nextLong();
            engine.setRandomSeed((int) s);
            parts.add(m.randomUniform(0f, 1f, shape));
        }
        return NDArrays.stack(parts, 0);
    }

    /** The model inputs (K, B, D) for row indices (K, B): per segment of models, its source's rows, concatenated. */
    private static NDList gather(List<DeviceData> sources, List<int[]> segments, NDArray idx) {
        if (segments.size() == 1) {
            DeviceData d = sources.get(segments.get(0)[2]);
            NDArray[] x = new NDArray[d.numDistinct()];
            for (int i = 0; i < x.length; i++) x[i] = d.train[i].get(idx);
            return d.modelInputs(x);
        }
        List<NDList> parts = new ArrayList<>();
        for (int[] seg : segments) {
            DeviceData d = sources.get(seg[2]);
            NDArray sub = idx.get(seg[0] + ":" + seg[1]);
            NDArray[] x = new NDArray[d.numDistinct()];
            for (int i = 0; i < x.length; i++) x[i] = d.train[i].get(sub);
            parts.add(d.modelInputs(x));
        }
        return concatInputs(parts);
    }

    /** A test split's inputs: shared (N, D) with one source; else each source's broadcast over its models, concatenated. */
    private static NDList testInputs(List<DeviceData> sources, List<int[]> segments, Split split) {
        if (segments.size() == 1) return sources.get(segments.get(0)[2]).testInputs.get(split);
        List<NDList> parts = new ArrayList<>();
        for (int[] seg : segments) {
            NDList in = sources.get(seg[2]).testInputs.get(split);
            NDList b = new NDList(in.size());
            for (NDArray x : in) {
                b.add(x.expandDims(0).broadcast(new Shape(seg[1] - seg[0], x.getShape().get(0), x.getShape().get(1))));
            }
            parts.add(b);
        }
        return concatInputs(parts);
    }

    private static NDList concatInputs(List<NDList> parts) {
        int n = parts.get(0).size();
        NDList out = new NDList(n);
        for (int i = 0; i < n; i++) {
            NDList col = new NDList(parts.size());
            for (NDList p : parts) col.add(p.get(i));
            out.add(NDArrays.concat(col, 0));
        }
        return out;
    }

    private static float[][] sigmas(StackedModel model) {
        NDArray se = model.parameters().get("uncertainty_s_e");
        if (se == null) return null;
        float[] e = se.toFloatArray();
        float[] v = model.parameters().get("uncertainty_s_v").toFloatArray();
        float[][] out = new float[e.length][];
        for (int i = 0; i < e.length; i++) out[i] = new float[] {(float) Math.exp(e[i] / 2.0), (float) Math.exp(v[i] / 2.0)};
        return out;
    }

    private static float[][] mus(StackedModel model) {
        NDArray mu = model.parameters().get("decoder_mu");
        if (mu == null) return null;
        int k = model.size();
        int c = (int) (mu.getShape().size() / k);
        float[] flat = mu.toFloatArray();
        float[][] out = new float[k][c];
        for (int i = 0; i < k; i++) System.arraycopy(flat, i * c, out[i], 0, c);
        return out;
    }

    /** Eval-mode forward of all models; per model its first rows ({@code held}: its held-out count; else all). */
    private static List<FoldTrainer.Eval> evaluate(StackedModel model, NDList inputs, List<Slot> slots, boolean held) {
        try (NDScope scope = new NDScope()) {
            StackedModel.Output out = model.forward(inputs, null);
            Shape ls = out.logits().getShape();
            int k = (int) ls.get(0);
            int rows = (int) ls.get(1);
            int c = (int) ls.get(2);
            float[] logits = out.logits().toFloatArray();
            float[] valence = out.valence().toFloatArray();
            Map<String, float[]> att = new LinkedHashMap<>();
            Map<String, Integer> widths = new LinkedHashMap<>();
            for (String name : model.attentionNames()) {
                NDArray a = out.attention().get(name);
                att.put(name, a.toFloatArray());
                widths.put(name, (int) a.getShape().get(2));
            }
            List<FoldTrainer.Eval> evals = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                int n = held ? slots.get(i).job.heldRows().length : rows;
                float[][] l = new float[n][c];
                for (int r = 0; r < n; r++) System.arraycopy(logits, (i * rows + r) * c, l[r], 0, c);
                float[] v = new float[n];
                System.arraycopy(valence, i * rows, v, 0, n);
                Map<String, float[]> a = new LinkedHashMap<>();
                for (Map.Entry<String, float[]> e : att.entrySet()) {
                    int w = widths.get(e.getKey());
                    float[] part = new float[n * w];
                    System.arraycopy(e.getValue(), i * rows * w, part, 0, n * w);
                    a.put(e.getKey(), part);
                }
                evals.add(new FoldTrainer.Eval(l, v, a, widths));
            }
            scope.suppressNotUsedWarning();
            return evals;
        }
    }
}
