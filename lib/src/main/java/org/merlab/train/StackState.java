package org.merlab.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.model.ModelSpec;
import org.merlab.model.StackedModel;

/**
 * A {@link BatchedTrainer} stack's state in a {@link StackCheckpoint}: {@link #save} writes it after an epoch (every
 * model's slot, weights, best weights and Adam state), {@link #resume} rebuilds the stack from it with the numbers it
 * would have had.
 */
final class StackState {
    private StackState() {}

    /** A stack as a checkpoint left it. */
    record Restored(List<StackSlot> slots, StackedModel model, StackedModel best, StackedAdam adam, int heldRowsPadded) {}

    /**
     * The stack saved at {@code checkpoint}, rebuilt (models built from their seeds, then given the saved weights and
     * optimizer state), or null when there is none or it is not for these jobs (then it is deleted).
     */
    static Restored resume(StackCheckpoint.Place checkpoint, List<ExperimentConfig> configs, List<DeviceData> sources,
                           List<BatchedTrainer.Job> jobs, ExperimentConfig config, long[][] groupDims,
                           ExperimentConfig.Protocol p, Engine engine, NDManager gm, Device device, RunListener listener) {
        Optional<StackCheckpoint.State> saved = StackCheckpoint.load(checkpoint, device, gm, listener);
        if (saved.isEmpty()) return null;
        StackCheckpoint.State state = saved.get();
        List<StackSlot> slots = restoreSlots(state, configs, sources, jobs);
        if (slots == null) {
            StackCheckpoint.close(state.arrays());
            StackCheckpoint.discard(checkpoint, listener, "it holds folds of another training (other configs or rows)");
            return null;
        }
        ModelSpec spec = FoldTrainer.spec(config, groupDims, slots.get(0).mu0);
        StackedModel model = BatchedTrainer.build(engine, spec, slots, sources, gm, device);
        model.load(state.arrays().get("model"));
        StackedModel best = model.copy(gm);
        best.load(state.arrays().get("best"));
        StackedAdam adam = new StackedAdam(model, p.learningRate().floatValue(), p.weightDecay().floatValue(), gm);
        adam.restore(state.arrays().get("mean"), state.arrays().get("variance"), state.header().adamSteps());
        int epoch = 0;
        for (StackSlot s : slots) {
            if (s.active) listener.onFoldStart(s.config.name(), s.job.seed(), s.job.fold(), s.epochs);
            epoch = Math.max(epoch, s.epochsRun);
        }
        listener.onMessage("resumed " + slots.size() + " models from the training checkpoint " + checkpoint.dir()
                + " (up to epoch " + epoch + ")");
        return new Restored(slots, model, best, adam, state.header().heldRowsPadded());
    }

    /** Writes the stack's state (after an epoch) to {@code checkpoint}. */
    static void save(StackCheckpoint.Place checkpoint, List<StackSlot> slots, StackedModel model, StackedModel best,
                     StackedAdam adam, ModelSpec spec, int folds, int hMax, Device device) {
        List<StackCheckpoint.SlotState> states = new ArrayList<>(slots.size());
        List<FoldResult> parts = new ArrayList<>(slots.size());
        for (StackSlot s : slots) {
            states.add(new StackCheckpoint.SlotState(s.config.name(), s.job.seed(), s.job.fold(), s.job.trainRows(),
                    s.job.heldRows(), s.active, s.reported, Double.toString(s.bestCombined)));
            parts.add(s.result(spec, folds, device));
        }
        Map<String, Map<String, NDArray>> arrays = new LinkedHashMap<>();
        arrays.put("model", model.parameters());
        arrays.put("best", best.parameters());
        arrays.put("mean", adam.means());
        arrays.put("variance", adam.variances());
        StackCheckpoint.save(checkpoint, device, hMax, states, parts, adam.stepCounts(), arrays);
    }

    /**
     * The saved stack's slots, each as it was after its last epoch (its shuffles replayed), or null when they are not
     * these jobs' (a config that is not in this training, or other rows). A model whose fold is on disk by now (it
     * stopped after the save, or was reported before it and kept along) trains no further and is not reported again;
     * a pending one that the checkpoint had reported (its fold file gone) is reported again from its kept best
     * weights. Models are independent in a stack, so the others go on with their own numbers.
     */
    private static List<StackSlot> restoreSlots(StackCheckpoint.State state, List<ExperimentConfig> configs,
                                                List<DeviceData> sources, List<BatchedTrainer.Job> jobs) {
        Map<String, Integer> sourceOf = new HashMap<>();
        for (int i = 0; i < configs.size(); i++) sourceOf.put(configs.get(i).name(), i);
        Map<String, BatchedTrainer.Job> pending = new HashMap<>();
        for (BatchedTrainer.Job j : jobs) pending.put(j.key(), j);
        List<StackSlot> slots = new ArrayList<>();
        List<StackCheckpoint.SlotState> states = state.header().slots();
        for (int i = 0; i < states.size(); i++) {
            StackCheckpoint.SlotState st = states.get(i);
            Integer src = sourceOf.get(st.experiment());
            if (src == null) return null;
            BatchedTrainer.Job saved = new BatchedTrainer.Job(st.seed(), st.fold(), st.trainRows(), st.heldRows(), src);
            BatchedTrainer.Job job = pending.get(saved.key());
            boolean finished = job == null; // its fold is on disk
            if (finished) {
                job = saved;
            } else if (!Arrays.equals(job.trainRows(), st.trainRows()) || !Arrays.equals(job.heldRows(), st.heldRows())) {
                return null;
            }
            StackSlot s = new StackSlot(job, configs.get(src), sources.get(src));
            FoldResult r = state.slots().get(i);
            FoldSummary f = r.summary();
            s.active = st.active() && !finished;
            s.reported = finished;
            s.stoppedEarly = f.stoppedEarly();
            s.epochsRun = f.epochsRun();
            s.bestEpoch = f.bestEpoch();
            s.bestCombined = Double.parseDouble(st.bestCombined());
            s.bestScore = f.heldOut();
            s.bestHeld = r.heldOut();
            s.bestTests = new LinkedHashMap<>(r.tests());
            s.bestAttention = new LinkedHashMap<>(f.attention());
            s.muKept = f.muKept();
            s.seconds = f.seconds();
            s.curves.addAll(f.curves());
            for (int e = 0; e < s.epochsRun; e++) FoldTrainer.shuffle(s.order, s.shuffler); // the orders it trained in
            slots.add(s);
        }
        return slots.isEmpty() ? null : slots;
    }
}
