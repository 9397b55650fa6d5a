package org.merlab.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.merlab.data.Emotion;
import org.merlab.data.FeatureName;
import org.merlab.data.LabelSet;
import org.merlab.data.Split;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.metrics.MerScore;
import org.merlab.model.FixedWeightLoss;
import org.merlab.model.JointDecoder;
import org.merlab.model.MerModel;
import org.merlab.model.ModelSpec;
import org.merlab.model.Models;
import org.merlab.model.UncertaintyLoss;

/**
 * Trains one fold of one seed (method.md "Training protocol"): Adam (coupled weight decay except
 * s_e/s_v), mini-batches with a per-epoch shuffle drawn from (seed, fold), up to {@code epochs}
 * epochs, the held-out part evaluated after each epoch in one batch, and the epoch with the best
 * held-out combined score kept (its held-out and test predictions), with an optional patience
 * stop. The joint decoder's μ starts at the per-class mean valence of the fold's training part.
 *
 * <p>Deterministic on the CPU (for a fixed thread count): the fold's model initialisation and dropout come from {@code
 * Engine.setRandomSeed(foldSeed)} and the shuffles from a {@link SplittableRandom} of the same
 * origin, so a fold retrained alone (resume) equals the fold trained in a full run. Interruptible
 * between batches ({@link TrainingInterruptedException}); every native array and the gradient
 * collector are closed on the way out.
 */
final class FoldTrainer {
    private FoldTrainer() {}

    /** The seed of fold {@code fold} of run seed {@code seed}, for libtorch (an int) and the shuffles. */
    static long foldSeed(long seed, int fold, int stream) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + fold * 1_000_003L + stream).nextLong();
    }

    /** The model of a config for the given feature widths and initial μ. */
    static ModelSpec spec(ExperimentConfig config, long[][] groupDims, float[] mu) {
        ExperimentConfig.Model m = config.model();
        boolean needsMu = m.decoder() != ModelSpec.DecoderKind.SEPARATE;
        return new ModelSpec(m.structure(), groupDims, m.decoder(), config.loss().kind(), m.d(), m.hidden(),
                m.dropout().floatValue(), needsMu ? mu : null, m.softmaxWeights());
    }

    /** The loss of a config: fixed λ_e·CE + λ_v·MSE, or the uncertainty weighting (which ignores λ). */
    static Loss loss(ExperimentConfig config) {
        ExperimentConfig.Loss l = config.loss();
        return l.kind() == ModelSpec.LossKind.UNCERTAINTY ? new UncertaintyLoss()
                : new FixedWeightLoss(l.emotionWeight().floatValue(), l.valenceWeight().floatValue());
    }

    /** Mean valence per class over the given train rows (the overall mean for a class without rows). */
    static float[] classMeanValence(int[] classes, double[] valence, int[] rows) {
        double[] sum = new double[Emotion.COUNT];
        int[] n = new int[Emotion.COUNT];
        double all = 0;
        for (int r : rows) {
            sum[classes[r]] += valence[r];
            n[classes[r]]++;
            all += valence[r];
        }
        float[] mu = new float[Emotion.COUNT];
        for (int c = 0; c < mu.length; c++) mu[c] = (float) (n[c] > 0 ? sum[c] / n[c] : all / Math.max(1, rows.length));
        return mu;
    }

    static FoldResult train(ExperimentConfig config, DeviceData data, long seed, int fold, int folds,
                            int[] trainRows, int[] heldRows, RunListener listener) {
        ExperimentConfig.Protocol p = config.protocol();
        int epochs = p.epochs();
        int batchSize = p.batchSize();
        Integer patience = p.patience();
        Engine engine = Engine.getInstance();
        Device device = data.device;
        long started = System.nanoTime();
        checkInterrupt(seed, fold, 0);

        float[] mu0 = classMeanValence(data.trainClass, data.trainValence, trainRows);
        ModelSpec spec = spec(config, data.groupDims, mu0);
        Loss loss = loss(config);
        LabelSet train = data.trainLabels;
        SplitPredictions heldTemplate = template("train", train, heldRows);
        Map<Split, SplitPredictions> testTemplates = new LinkedHashMap<>();
        data.testLabels.forEach((s, labels) -> testTemplates.put(s, template(s.id(), labels, allRows(labels.size()))));

        engine.setRandomSeed((int) foldSeed(seed, fold, 0));
        SplittableRandom shuffler = new SplittableRandom(foldSeed(seed, fold, 1));
        listener.onFoldStart(config.name(), seed, fold, epochs);

        try (NDManager fm = data.manager.newSubManager(device)) {
            MerModel model = Models.build(spec);
            model.initialize(fm, DataType.FLOAT32, model.inputShapes(1));
            DecayMaskedAdam optimizer = new DecayMaskedAdam(p.learningRate().floatValue(), p.weightDecay().floatValue(),
                    model.noDecayParameterIds());
            ParameterStore ps = new ParameterStore(fm, false);
            ps.setParameterServer(new LocalParameterServer(optimizer), new Device[] {device});

            long[] heldIdx = toLong(heldRows);
            NDArray[] heldArrays = data.gatherTrain(heldIdx, fm);
            NDList heldInputs = data.modelInputs(heldArrays);
            long[] order = toLong(trainRows);
            int n = order.length;
            int batches = (n + batchSize - 1) / batchSize;
            int nd = data.numDistinct();

            List<EpochStats> curves = new ArrayList<>();
            int bestEpoch = 0;
            double bestCombined = Double.NEGATIVE_INFINITY;
            Score bestScore = null;
            SplitPredictions bestHeld = null;
            Map<String, SplitPredictions> bestTests = new LinkedHashMap<>();
            Map<String, AttentionSummary> bestAttention = new LinkedHashMap<>();
            float[] muKept = null;
            boolean stoppedEarly = false;
            int epoch = 0;
            while (epoch < epochs) {
                epoch++;
                long t0 = System.nanoTime();
                shuffle(order, shuffler);
                float lossSum;
                try (NDManager em = fm.newSubManager(device)) {
                    NDArray[] ex = data.gatherTrain(order, em);
                    NDArray lossAcc = em.zeros(new Shape(), DataType.FLOAT32);
                    for (int b = 0; b < batches; b++) {
                        checkInterrupt(seed, fold, epoch);
                        int from = b * batchSize;
                        int to = Math.min(n, from + batchSize);
                        try (NDScope scope = new NDScope()) {
                            NDIndex slice = new NDIndex().addSliceDim(from, to);
                            NDArray[] sliced = new NDArray[nd];
                            for (int k = 0; k < nd; k++) sliced[k] = ex[k].get(slice);
                            NDList labels = new NDList(ex[nd].get(slice), ex[nd + 1].get(slice));
                            NDArray l;
                            try (GradientCollector gc = engine.newGradientCollector()) {
                                NDList out = model.forward(ps, data.modelInputs(sliced), true);
                                l = loss.evaluate(labels, out);
                                gc.backward(l);
                            }
                            lossAcc.addi(l.reshape(lossAcc.getShape()));
                            scope.suppressNotUsedWarning();
                        }
                        ps.updateAllParameters();
                    }
                    lossSum = lossAcc.getFloat();
                }

                checkInterrupt(seed, fold, epoch);
                Eval held = evaluate(model, ps, heldInputs);
                SplitPredictions heldPred = heldTemplate.with(held.logits, held.valence);
                MerScore s = heldPred.score();
                double combined = s.combined();
                Double sigmaE = null;
                Double sigmaV = null;
                if (model.uncertainty() != null) {
                    try (NDScope scope = new NDScope()) {
                        sigmaE = (double) model.uncertainty().sigmaEmotion();
                        sigmaV = (double) model.uncertainty().sigmaValence();
                        scope.suppressNotUsedWarning();
                    }
                }
                double c = Double.isNaN(combined) ? Double.NEGATIVE_INFINITY : combined;
                boolean improved = bestEpoch == 0 || c > bestCombined;
                if (improved) {
                    bestEpoch = epoch;
                    bestCombined = c;
                    bestScore = Score.of(s);
                    bestHeld = heldPred;
                    bestAttention = attention(config, model, held, heldPred.trueClass());
                    bestTests = new LinkedHashMap<>();
                    for (Map.Entry<Split, NDList> e : data.testInputs.entrySet()) {
                        Eval t = evaluate(model, ps, e.getValue());
                        bestTests.put(e.getKey().id(), testTemplates.get(e.getKey()).with(t.logits, t.valence));
                    }
                    muKept = mu(model);
                }
                EpochStats stats = new EpochStats(epoch, lossSum / batches, s.weightedF1(), s.accuracy(), s.mse(), combined,
                        sigmaE, sigmaV, (System.nanoTime() - t0) / 1e9);
                curves.add(stats);
                listener.onEpoch(config.name(), seed, fold, stats);
                if (patience != null && epoch - bestEpoch >= patience && epoch < epochs) {
                    stoppedEarly = true;
                    break;
                }
            }
            FoldSummary summary = new FoldSummary(config.name(), seed, fold, folds, trainRows.length, heldRows.length,
                    bestEpoch, epoch, epochs, stoppedEarly, bestScore, curves, bestAttention,
                    spec.classMeanValence(), muKept, (System.nanoTime() - started) / 1e9, device.toString());
            return new FoldResult(summary, bestHeld, bestTests);
        }
    }

    record Eval(float[][] logits, float[] valence, Map<String, float[]> attention, Map<String, Integer> widths) {}

    /** One eval-mode forward over all rows; everything it creates is closed before returning. */
    private static Eval evaluate(MerModel model, ParameterStore ps, NDList inputs) {
        try (NDScope scope = new NDScope()) {
            NDList out = model.forward(ps, inputs, false);
            NDArray logitsArray = MerModel.logits(out);
            int n = (int) logitsArray.getShape().get(0);
            int c = (int) logitsArray.getShape().get(1);
            float[] flat = logitsArray.toFloatArray();
            float[][] logits = new float[n][c];
            for (int i = 0; i < n; i++) System.arraycopy(flat, i * c, logits[i], 0, c);
            float[] valence = MerModel.valence(out).toFloatArray();
            Map<String, float[]> attention = new LinkedHashMap<>();
            Map<String, Integer> widths = new LinkedHashMap<>();
            for (String name : model.structure().attentionNames()) {
                NDArray a = out.get(name);
                attention.put(name, a.toFloatArray());
                widths.put(name, (int) a.getShape().get(1));
            }
            scope.suppressNotUsedWarning();
            return new Eval(logits, valence, attention, widths);
        }
    }

    static Map<String, AttentionSummary> attention(ExperimentConfig config, MerModel model, Eval held, int[] trueClass) {
        Map<String, AttentionSummary> out = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : held.attention.entrySet()) {
            int width = held.widths.get(e.getKey());
            out.put(e.getKey(), AttentionSummary.of(attentionInputs(config, e.getKey(), width), e.getValue(), width,
                    trueClass, Emotion.COUNT));
        }
        return out;
    }

    /** What each weight of an attention array is about, from the structure and the feature groups. */
    static List<String> attentionInputs(ExperimentConfig config, String name, int width) {
        List<List<String>> groups = new ArrayList<>();
        for (List<FeatureName> g : config.featureNames()) groups.add(g.stream().map(FeatureName::shortName).toList());
        List<String> flat = groups.stream().flatMap(List::stream).toList();
        List<String> labels = new ArrayList<>();
        ModelSpec.Structure s = config.model().structure();
        if (name.equals("alpha") && flat.size() == width) {
            labels.addAll(flat);
        } else if (s == ModelSpec.Structure.HIERARCHICAL && name.startsWith("alpha_group")) {
            labels.addAll(groups.get(Integer.parseInt(name.substring("alpha_group".length()))));
        } else if (s == ModelSpec.Structure.HIERARCHICAL && name.equals("alpha_top")) {
            for (List<String> g : groups) labels.add(String.join("+", g));
        } else if (s == ModelSpec.Structure.CROSS && name.equals("alpha_other")) {
            labels.addAll(groups.get(1));
        } else if (s == ModelSpec.Structure.CROSS && name.startsWith("alpha_cross")) {
            labels.add(groups.get(0).get(Integer.parseInt(name.substring("alpha_cross".length()))));
            labels.add(String.join("+", groups.get(1)));
        } else if (s == ModelSpec.Structure.CROSS && name.equals("alpha_top")) {
            for (String layer : groups.get(0)) labels.add(layer + "×" + String.join("+", groups.get(1)));
        }
        if (labels.size() != width) {
            labels.clear();
            for (int i = 0; i < width; i++) labels.add("input" + i);
        }
        return labels;
    }

    private static float[] mu(MerModel model) {
        if (!(model.decoder() instanceof JointDecoder jd)) return null;
        try (NDScope scope = new NDScope()) {
            float[] v = jd.mu().getArray().toFloatArray();
            scope.suppressNotUsedWarning();
            return v;
        }
    }

    static SplitPredictions template(String split, LabelSet labels, int[] rows) {
        int[] allClasses = labels.classes();
        double[] allValence = labels.valences();
        List<String> names = new ArrayList<>(rows.length);
        int[] cls = new int[rows.length];
        double[] val = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            names.add(labels.names().get(rows[i]));
            cls[i] = allClasses[rows[i]];
            val[i] = allValence[rows[i]];
        }
        return new SplitPredictions(split, names, rows.clone(), cls, val, new float[rows.length][0], new float[rows.length]);
    }

    static int[] allRows(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    static long[] toLong(int[] rows) {
        long[] out = new long[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = rows[i];
        return out;
    }

    static void shuffle(long[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    static void checkInterrupt(long seed, int fold, int epoch) {
        if (Thread.interrupted()) {
            throw new TrainingInterruptedException("training interrupted (seed " + seed + ", fold " + fold
                    + (epoch > 0 ? ", epoch " + epoch : "") + ")");
        }
    }
}
