package org.merlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.merlab.data.Split;
import org.merlab.metrics.MerScore;
import org.merlab.model.StackedModel;

/**
 * A {@link BatchedTrainer} stack's evaluations: after each epoch every active model's held-out score, curve point, best
 * epoch and stop ({@link #endEpoch}); and once a model is done, its test predictions from its best weights
 * ({@link #testPredictions}).
 */
final class StackEvaluation {
    private StackEvaluation() {}

    /**
     * After an epoch: every active model's held-out score, its curve point, its best epoch (whose weights {@code best}
     * keeps) and its patience stop or end.
     */
    static void endEpoch(StackedModel model, StackedModel best, List<StackSlot> slots, NDList heldInputs, float[] lossSum,
                         double secondsPerModel, RunListener listener) {
        int k = slots.size();
        float[][] sigmas = model.sigmas();
        float[][] mus = model.mus();
        int[] heldRows = new int[k];
        for (int i = 0; i < k; i++) heldRows[i] = slots.get(i).job.heldRows().length;
        List<FoldTrainer.Eval> held = evaluate(model, heldInputs, heldRows);
        boolean[] improvedSlots = new boolean[k];
        boolean anyImproved = false;
        for (int i = 0; i < k; i++) {
            StackSlot s = slots.get(i);
            if (!s.active) continue;
            int epoch = s.epochsRun;
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
                s.bestAttention = FoldTrainer.attention(s.config, null, e, heldPred.trueClass());
                s.muKept = mus == null ? null : mus[i];
                improvedSlots[i] = true;
                anyImproved = true;
            }
            Double se = sigmas == null ? null : (double) sigmas[i][0];
            Double sv = sigmas == null ? null : (double) sigmas[i][1];
            EpochStats stats = new EpochStats(epoch, lossSum[i] / s.batches, score.weightedF1(), score.accuracy(),
                    score.mse(), combined, se, sv, secondsPerModel);
            s.curves.add(stats);
            listener.onEpoch(s.config.name(), s.job.seed(), s.job.fold(), stats);
            if (s.patience != null && epoch - s.bestEpoch >= s.patience && epoch < s.epochs) {
                s.stoppedEarly = true;
                s.active = false;
            } else if (epoch >= s.epochs) {
                s.active = false;
            }
        }
        // the improved models' weights are kept; their tests are evaluated once, when they are done (testPredictions)
        if (anyImproved) best.copyModelsFrom(model, improvedSlots);
    }

    /**
     * The test sets' predictions of the models {@code done} (stopped or finished, not yet reported), from their best
     * epoch's weights: one forward of the whole stack per test split (the others' rows are not used). A model's
     * numbers do not depend on its stack, so these are the predictions an evaluation at its best epoch gave.
     */
    static void testPredictions(StackedModel best, List<StackSlot> slots, List<StackSlot> done, List<DeviceData> sources,
                                List<int[]> segments, DeviceData data, Map<Split, SplitPredictions> testTemplates) {
        int k = slots.size();
        for (Map.Entry<Split, NDList> t : data.testInputs.entrySet()) {
            int n = (int) t.getValue().get(0).getShape().get(0);
            int[] rows = new int[k];
            Arrays.fill(rows, n);
            List<FoldTrainer.Eval> te;
            try (NDScope scope = new NDScope()) {
                int padded = StackInputs.roundUp(n, BatchedTrainer.ROW_BLOCK);
                te = evaluate(best, StackInputs.testInputs(sources, segments, t.getKey(), padded), rows);
                scope.suppressNotUsedWarning();
            }
            for (StackSlot s : done) {
                FoldTrainer.Eval e = te.get(slots.indexOf(s));
                s.bestTests.put(t.getKey().id(), testTemplates.get(t.getKey()).with(e.logits(), e.valence()));
            }
        }
    }

    /** Eval-mode forward of all models; of model i its first {@code keep[i]} rows (the rest is padding). */
    private static List<FoldTrainer.Eval> evaluate(StackedModel model, NDList inputs, int[] keep) {
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
                int n = keep[i];
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
