package org.merlab.train;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.model.ModelSpec;

/**
 * One model of a {@link BatchedTrainer} stack and its training state: its job, data order, dropout stream, epochs, best
 * epoch so far (score, predictions, attention) and seconds; everything a model carries from one stack to the next.
 */
final class StackSlot {
    final BatchedTrainer.Job job;
    final ExperimentConfig config;
    final int epochs;
    final Integer patience;
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
    double seconds;
    boolean reported;

    StackSlot(BatchedTrainer.Job job, ExperimentConfig config, DeviceData data) {
        this.job = job;
        this.config = config;
        this.epochs = config.protocol().epochs();
        this.patience = config.protocol().patience();
        this.order = FoldTrainer.toLong(job.trainRows());
        int batchSize = config.protocol().batchSize();
        this.batches = (order.length + batchSize - 1) / batchSize;
        this.shuffler = new SplittableRandom(FoldTrainer.foldSeed(job.seed(), job.fold(), 1));
        this.dropoutSeed = FoldTrainer.foldSeed(job.seed(), job.fold(), 2);
        this.heldTemplate = FoldTrainer.template("train", data.trainLabels, job.heldRows());
        this.mu0 = FoldTrainer.classMeanValence(data.trainClass, data.trainValence, job.trainRows());
    }

    /** The model's {@link FoldResult}: its best epoch's figures and predictions, and its curves. */
    FoldResult result(ModelSpec spec, int folds, Device device) {
        FoldSummary summary = new FoldSummary(config.name(), job.seed(), job.fold(), folds, job.trainRows().length,
                job.heldRows().length, bestEpoch, epochsRun, epochs, stoppedEarly, bestScore, curves,
                bestAttention, spec.decoder() == ModelSpec.DecoderKind.SEPARATE ? null : mu0, muKept, seconds,
                device.toString());
        return new FoldResult(summary, bestHeld, bestTests);
    }
}
