package org.merlab.train;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * On the CPU a config's models train as several stacks at once, each on one libtorch thread, instead of one stack on
 * all of libtorch's threads. One stack on two threads keeps the second core busy only inside what libtorch and the
 * Adam update split between threads (the matrix products, the larger elementwise operations); the rest of a step (the
 * small operations, the calls through JNI, the dropout draws) runs on one thread while the other waits or spins. Two
 * stacks of one thread each keep both cores at work (docs/benchmarks.md, "Two stacks at once on the CPU").
 *
 * <p>Numbers do not change: a model's numbers do not depend on which models share its stack ({@link BatchedTrainer}),
 * nor here on libtorch's thread count ({@code CpuStacksTest} compares every fold of a split training with one stack's,
 * bit for bit).
 *
 * <p>How many: {@value #PROPERTY} ({@code -Dmerlab.cpu.stacks=N}; 1: one stack on all of libtorch's threads), by
 * default libtorch's thread count ({@code min(4, cores)}, {@link ComputeDevice}). Never more than half the models, as a
 * stack keeps at least two ({@link BatchedTrainer}: a stack of one computes some layers with other kernels); one on a
 * GPU, and one while configs train at once ({@code --parallel}), whose threads already share the cores.
 */
final class CpuStacks {
    /** Stacks trained at once on the CPU. */
    static final String PROPERTY = "merlab.cpu.stacks";

    private CpuStacks() {}

    /** One stack of a split training: its jobs, and its number (which checkpoint folder it uses: {@link StackCheckpoint.Place#part}). */
    record Part(int index, List<BatchedTrainer.Job> jobs) {}

    /** How many stacks {@code models} models train as, with libtorch at {@code threads} threads. */
    static int count(Device device, int threads, int models) {
        if (device.isGpu() || TrainingSchedule.trainingAtOnce() > 1) return 1;
        return Math.max(1, Math.min(configured(threads), models / 2));
    }

    /** {@value #PROPERTY}, else {@code threads}. */
    static int configured(int threads) {
        String prop = System.getProperty(PROPERTY);
        if (prop == null || prop.isBlank()) return Math.max(1, threads);
        return WholeNumberProperty.atLeastOne(PROPERTY, prop, " (1: one stack)");
    }

    /** For metrics.json's {@code runtime}: how a CPU training splits ({@code "up to 2 at once, 1 libtorch thread each"}). */
    static String describe(Device device, int threads) {
        if (device.isGpu()) return "1";
        int n = configured(threads);
        return n == 1 ? "1" : "up to " + n + " at once, 1 libtorch thread each";
    }

    /**
     * The jobs (in the engine's order) split into {@code parts} stacks. A job that part i's checkpoint holds ({@code
     * held.get(i)}, by {@code key}) goes to part i, where it resumes; the others fill the parts in order, each up to an
     * equal share, so that a sweep's layers stay together (a part's layers are read by one gather each). A part left with one job gives it to the smallest other (a
     * stack keeps two); empty parts are left out. Within a part the jobs keep the engine's order by source.
     */
    static List<Part> split(List<BatchedTrainer.Job> jobs, int parts, List<Set<String>> held,
                            Function<BatchedTrainer.Job, String> key) {
        List<List<BatchedTrainer.Job>> out = new ArrayList<>();
        for (int i = 0; i < parts; i++) out.add(new ArrayList<>());
        List<BatchedTrainer.Job> rest = new ArrayList<>();
        for (BatchedTrainer.Job j : jobs) {
            int at = -1;
            for (int i = 0; i < Math.min(parts, held.size()) && at < 0; i++) if (held.get(i).contains(key.apply(j))) at = i;
            if (at >= 0) out.get(at).add(j);
            else rest.add(j);
        }
        int p = 0;
        for (BatchedTrainer.Job j : rest) {
            // equal shares: the first (jobs mod parts) parts take one more
            while (p < parts - 1 && out.get(p).size() >= jobs.size() / parts + (p < jobs.size() % parts ? 1 : 0)) p++;
            out.get(p).add(j);
        }
        while (true) {
            int single = -1;
            int smallest = -1;
            for (int i = 0; i < parts && single < 0; i++) if (out.get(i).size() == 1) single = i;
            if (single < 0) break;
            for (int i = 0; i < parts; i++) {
                if (i == single || out.get(i).isEmpty()) continue;
                if (smallest < 0 || out.get(i).size() < out.get(smallest).size()) smallest = i;
            }
            if (smallest < 0) break; // the only job of the training: a stack of one
            out.get(smallest).addAll(out.get(single));
            out.get(single).clear();
        }
        List<Part> result = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            if (out.get(i).isEmpty()) continue;
            List<BatchedTrainer.Job> part = new ArrayList<>(out.get(i));
            part.sort(Comparator.comparingInt(BatchedTrainer.Job::source)); // stable
            result.add(new Part(i, part));
        }
        return result;
    }
}
