package org.merlab.train;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToLongFunction;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.Profile;
import org.merlab.model.Models;

/**
 * How {@link ExperimentRunner#runAll} schedules independent configs: how many train at once ({@link #parallelism()}) and
 * in which order they start ({@link #costliestFirst}). Only the schedule: every model's numbers are those of one config
 * at a time (see {@link Concurrently}), and results come back in the order given.
 */
public final class TrainingSchedule {
    /** Configs trained at once by {@link ExperimentRunner#runAll} ({@link #parallelism()}). */
    public static final String PARALLEL_PROPERTY = "merlab.parallel";

    /** How many configs the running call trains at once (1 outside {@link ExperimentRunner#runAll}): each stack's share of memory. */
    private static volatile int trainingAtOnce = 1;

    private TrainingSchedule() {}

    static int trainingAtOnce() {
        return trainingAtOnce;
    }

    /** Set by {@link ExperimentRunner#runAll} for its call, and back to 1 after it. */
    static void trainingAtOnce(int configs) {
        trainingAtOnce = Math.max(1, configs);
    }

    /**
     * How many independent configs (or sweep groups) train at once: {@value #PARALLEL_PROPERTY}, else the environment's
     * {@code MERLAB_PARALLEL} (how notebooks get it), else the training device's default ({@link #defaultParallelism}).
     */
    public static int parallelism() {
        String env = System.getenv("MERLAB_PARALLEL");
        String set = System.getProperty(PARALLEL_PROPERTY, env == null || env.isBlank() ? null : env);
        return set == null ? defaultParallelism(ComputeDevice.device())
                : WholeNumberProperty.atLeastOne(PARALLEL_PROPERTY, set.trim(), " (or MERLAB_PARALLEL)");
    }

    /**
     * 4 on a GPU, 1 on the CPU. A GPU runs one config's small kernels with most of it idle (an S1 config alone kept an
     * H200 27 % busy); since steps stopped copying their batch from Java, four configs at once fill it better (48 %),
     * and the 43 configs of the {@code paper} profile took 11.0 min instead of a projected 17-18 (docs/benchmarks.md,
     * "GPU, third lease"; 8 at once gained nothing in an earlier lease, when every step waited for the device several
     * times). On a CPU one config's stacks already share the cores, one per libtorch thread ({@link CpuStacks}); two
     * configs at once, one thread each, made the whole {@code default} reproduction 19 % slower on 2 cores when each
     * config was one stack (docs/benchmarks.md, "Trainings at once on the CPU").
     */
    static int defaultParallelism(Device device) {
        return device.isGpu() ? 4 : 1;
    }

    /**
     * The order in which {@link ExperimentRunner#runAll} starts independent groups on its threads: the costliest first
     * (longest processing time first), so that the groups started last are short and the threads finish close together,
     * instead of one long config training alone at the end while the others' threads idle. A group's cost is the sum of
     * its configs' {@link #trainingCost}; ties keep the given order.
     */
    static List<List<Integer>> costliestFirst(List<List<Integer>> groups, ToLongFunction<Integer> cost) {
        long[] costs = new long[groups.size()];
        for (int g = 0; g < groups.size(); g++) for (int i : groups.get(g)) costs[g] += cost.applyAsLong(i);
        Integer[] order = new Integer[groups.size()];
        for (int g = 0; g < order.length; g++) order[g] = g;
        Arrays.sort(order, (a, b) -> Long.compare(costs[b], costs[a])); // stable: ties keep their order
        List<List<Integer>> out = new ArrayList<>();
        for (int g : order) out.add(groups.get(g));
        return out;
    }

    /**
     * A config's training cost for ordering, in no unit: its planned model-epochs (seeds × folds × epochs under the
     * profile) times its model's parameter arrays. On a GPU a batched step costs about its libtorch calls, which grow
     * with the arrays (forward, backward and update per array) and not with the width (third GPU lease: {@code hl}, 8
     * arrays, 23.5 s; {@code s1-joint-uncertainty}, 40 arrays, 63.1 s; docs/benchmarks.md); a sweep's many models add
     * their epochs. The arrays are counted on the model built for inputs of width 1, which has the real model's arrays.
     * A decision fusion trains nothing itself: 0. A model that cannot be built so counts its model-epochs alone: the
     * order is a schedule, and never the reason a run fails (its training reports the real problem).
     */
    static long trainingCost(ExperimentConfig config, Profile profile) {
        if (config.isFusion()) return 0;
        long modelEpochs = ExperimentRunner.plannedEpochs(config, null, profile);
        long[][] widths = new long[config.features().size()][];
        for (int g = 0; g < widths.length; g++) {
            widths[g] = new long[config.features().get(g).size()];
            Arrays.fill(widths[g], 1);
        }
        try {
            return modelEpochs * Models.build(FoldTrainer.spec(config, widths, new float[Models.NUM_CLASSES])).getParameters().size();
        } catch (RuntimeException e) {
            return modelEpochs;
        }
    }
}
