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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.IntFunction;
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
 * <p>A stopped model stops costing: at the next epoch boundary the stack is rebuilt over the models
 * still training (parameters and Adam state gathered along the model axis), and a job waiting for a
 * place (more jobs than K) joins it there, starting its own epoch 1. {@code
 * -Dmerlab.batch.compact=false} keeps stopped models in the stack, masked, and trains waves of K (to
 * compare: {@code BatchedCompactionTest} checks that both give every model bit-identical results).
 *
 * <p>A model's numbers do not depend on which other models share its stack, nor on its place in it:
 * every model draws its dropout masks from its own stream, seeded by (seed, fold, epoch, batch)
 * ({@link DropoutStreams}: drawn in Java per step on the CPU, by libtorch in chunks of steps on a GPU);
 * evaluation pads each model's rows to whole blocks of {@link #ROW_BLOCK}, as the training batch of
 * 32 already is; and a stack never shrinks to one model (libtorch takes other kernels for a single
 * matrix product). Left: a batch size that is not a multiple of 32 with the gated decoder (its
 * sigmoid), and a run of a single job (a stack of one from the start, e.g. resume retraining one
 * fold), can differ from a stacked run in the last bit. The masks differ from the sequential
 * engine's (libtorch's global generator there), so sequential and batched runs agree exactly only
 * without dropout, and within run-to-run noise with it.
 *
 * <p>K: {@code -Dmerlab.batch.k=N} caps it; otherwise every pending model of the run, limited by an
 * estimate of the memory each takes against a share of the device's (or the machine's) memory ({@link StackSize}).
 * Folds reach the sink as they finish (a stopped fold is written before the others end). On the CPU the jobs train as
 * several such stacks at once, each on its own thread ({@link CpuStacks}), K divided among them.
 *
 * <p>Every few minutes of training the stack is saved after an epoch ({@link StackCheckpoint}), and a training
 * interrupted later resumes from there with the numbers it would have had.
 */
final class BatchedTrainer {
    /** {@code batched} (default) or {@code sequential}. */
    static final String ENGINE_PROPERTY = "merlab.engine";
    /** {@code false}: stopped models stay in the stack, masked (the engine before compaction; for comparison). */
    static final String COMPACT_PROPERTY = "merlab.batch.compact";

    /**
     * Evaluation rows per model are padded to a multiple of this. libtorch's result for one element can depend on
     * where it sits in the whole array (elementwise kernels run 32 floats at a time and finish the rest with scalar
     * code that rounds differently, e.g. sigmoid; a batched matmul's output block misaligned in memory takes another
     * path); with whole 32-row blocks per model, a model's numbers do not depend on its place in the stack.
     */
    static final int ROW_BLOCK = 32;

    private static final java.util.concurrent.atomic.AtomicLong MODEL_STEPS = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong STACK_STEPS = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong OPTIMIZER_NANOS = new java.util.concurrent.atomic.AtomicLong();

    private BatchedTrainer() {}

    /** One (seed, fold) to train. */
    record Job(long seed, int fold, int[] trainRows, int[] heldRows, int source) {
        Job(long seed, int fold, int[] trainRows, int[] heldRows) {
            this(seed, fold, trainRows, heldRows, 0);
        }

        /** Which model it is: source, seed and fold. */
        String key() {
            return source + "/" + seed + "/" + fold;
        }
    }

    /** Whether runs use this engine (the default) rather than {@link FoldTrainer}. */
    static boolean enabled() {
        return !"sequential".equalsIgnoreCase(System.getProperty(ENGINE_PROPERTY, "batched").trim());
    }

    /**
     * Trains the jobs, at most K at a time; {@code sink} gets each fold at the epoch boundary after it stopped or
     * finished. With compaction (the default) a waiting job takes the place of a stopped one there; without
     * ({@code -Dmerlab.batch.compact=false}) jobs train in waves of K.
     *
     * <p>Sources: one config, or several configs identical except for the feature they read (a layer sweep): source i
     * is config i with its data; each job names its source. Jobs enter the stack grouped by source (contiguous).
     *
     * @param checkpoint where the stack is saved now and then, and resumed from (null: never; see {@link StackCheckpoint})
     */
    static void train(List<ExperimentConfig> configs, List<DeviceData> sources, int folds, List<Job> jobs,
                      StackCheckpoint.Place checkpoint, RunListener listener, Consumer<FoldResult> sink) {
        if (jobs.isEmpty()) return;
        List<Job> sorted = new ArrayList<>(jobs);
        sorted.sort(java.util.Comparator.comparingInt(Job::source)); // stable: seed/fold order kept within a source
        int k = StackSize.k(configs.get(0), sources.get(0), sorted.size());
        Device device = sources.get(0).device;
        int threads = ComputeDevice.threads();
        int stacks = CpuStacks.count(device, threads, sorted.size());
        if (stacks > 1) {
            trainSplit(configs, sources, folds, sorted, k, stacks, threads, checkpoint, listener, sink);
            return;
        }
        // libtorch's grad mode is per thread and on by default on threads other than the one that started the
        // engine: outside the gradient collector (optimizer, evaluation, accumulators) no graph may be recorded
        boolean before = Autograd.gradMode(null);
        Autograd.gradMode(false);
        try {
            trainStack(configs, sources, folds, sorted, k, compaction(), checkpoint, listener, sink, () -> 1);
        } finally {
            Autograd.gradMode(before);
        }
        if (checkpoint != null) StackCheckpoint.deleteParts(checkpoint.dir()); // left by a split training, now done
    }

    /**
     * The jobs as {@code stacks} stacks trained at once on the CPU, each on a thread of its own with libtorch at one
     * thread ({@link CpuStacks}), each saving its checkpoint in its own folder ({@link StackCheckpoint.Place#part});
     * the models' share of memory (K) is divided among them. Folds and progress reach the caller's sink and listener
     * one at a time. A model's seconds are its share of the wall time, divided also among the stacks training at the
     * time, so that a config's folds add up to the time its training took. The calling thread gets libtorch's {@code
     * threads} back after.
     */
    private static void trainSplit(List<ExperimentConfig> configs, List<DeviceData> sources, int folds, List<Job> jobs,
                                   int k, int stacks, int threads, StackCheckpoint.Place checkpoint, RunListener listener,
                                   Consumer<FoldResult> sink) {
        List<java.util.Set<String>> held = new ArrayList<>();
        for (int i = 0; checkpoint != null && i < stacks; i++) held.add(StackCheckpoint.savedModels(checkpoint.part(i)));
        List<CpuStacks.Part> parts = CpuStacks.split(jobs, stacks, held,
                j -> StackCheckpoint.modelKey(configs.get(j.source()).name(), j.seed(), j.fold()));
        int partK = k >= jobs.size() ? Integer.MAX_VALUE : Math.max(2, k / parts.size()); // K < all: memory's limit
        RunListener shared = RunListener.synchronizedView(listener);
        // the sink under the view's own lock: it writes the fold and tells the caller's listener, which the view's
        // calls from the other stacks must not meet
        Consumer<FoldResult> sharedSink = r -> {
            synchronized (shared) {
                sink.accept(r);
            }
        };
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger(parts.size());
        try {
            Concurrently.run(parts, parts.size(), "merlab-stack", part -> {
                ComputeDevice.setThreads(1);
                Autograd.gradMode(false); // as in train: this thread records no graph outside the collector
                try {
                    trainStack(configs, sources, folds, part.jobs(), Math.min(partK, part.jobs().size()), compaction(),
                            checkpoint == null ? null : checkpoint.part(part.index()), shared, sharedSink, running::get);
                } finally {
                    running.decrementAndGet();
                }
            });
        } finally {
            ComputeDevice.setThreads(threads);
        }
        if (checkpoint != null) StackCheckpoint.deleteAll(checkpoint.dir()); // the first stack's too, if it had no models
    }

    /** Whether stopped models leave the stack ({@link #COMPACT_PROPERTY}, default true). */
    static boolean compaction() {
        return !"false".equalsIgnoreCase(System.getProperty(COMPACT_PROPERTY, "true").trim());
    }

    /** Model-steps computed in this JVM so far: one model's forward and backward on one batch, masked or not. */
    static long modelSteps() {
        return MODEL_STEPS.get();
    }

    /**
     * Batched steps (one forward, backward and update of a whole stack) computed in this JVM so far. A config whose
     * models do not all fit one stack (a capped K, waves) takes more of them than its longest model has steps.
     */
    static long stackSteps() {
        return STACK_STEPS.get();
    }

    /** Seconds spent in optimizer updates ({@link StackedAdam#step}) in this JVM so far. */
    static double optimizerSeconds() {
        return OPTIMIZER_NANOS.get() / 1e9;
    }

    /** Per-model training state; everything a model carries from one stack to the next. */
    private static final class Slot {
        final Job job;
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

        Slot(Job job, ExperimentConfig config, DeviceData data) {
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
    }

    /**
     * The stack: at most {@code k} models trained together, epoch by epoch. At an epoch boundary where a model has
     * stopped (patience) or finished its epochs, the stack is rebuilt over the models still training, plus waiting
     * jobs up to K: parameters and Adam state gathered along the model axis, everything else per model carried in
     * its {@link Slot}, so a kept model continues with exactly its numbers. A stopped model costs nothing after that
     * (masked, it would still be computed in every forward and backward); gathering is cheap next to an epoch.
     * Without compaction the stack is rebuilt only when all its models are done (waves). {@code stacksAtOnce}: how many
     * stacks are training at the moment ({@link CpuStacks}), among which the wall time is shared in the models' seconds.
     */
    private static void trainStack(List<ExperimentConfig> configs, List<DeviceData> sources, int folds, List<Job> jobs,
                                   int k, boolean compact, StackCheckpoint.Place checkpoint, RunListener listener,
                                   Consumer<FoldResult> sink, java.util.function.IntSupplier stacksAtOnce) {
        ExperimentConfig config = configs.get(jobs.get(0).source());
        DeviceData data = sources.get(jobs.get(0).source());
        ExperimentConfig.Protocol p = config.protocol(); // batch size and optimizer: the same for every source
        int batchSize = p.batchSize();
        Engine engine = Engine.getInstance();
        Device device = data.device;
        FoldTrainer.checkInterrupt(jobs.get(0).seed(), jobs.get(0).fold(), 0);

        Map<Split, SplitPredictions> testTemplates = new LinkedHashMap<>();
        data.testLabels.forEach((s, labels) -> testTemplates.put(s,
                FoldTrainer.template(s.id(), labels, FoldTrainer.allRows(labels.size()))));
        ExperimentConfig.Loss lossCfg = config.loss();
        float lambdaE = lossCfg.emotionWeight() == null ? 1f : lossCfg.emotionWeight().floatValue();
        float lambdaV = lossCfg.valenceWeight() == null ? 1f : lossCfg.valenceWeight().floatValue();
        boolean dropout = config.model().dropout() > 0;
        // held-out rows padded to the longest of all jobs, in whole blocks: a model's padded input and its place in
        // memory do not depend on the stack it is in
        int hMax = 0;
        for (Job j : jobs) hMax = Math.max(hMax, j.heldRows().length);
        hMax = roundUp(hMax, ROW_BLOCK);

        java.util.ArrayDeque<Job> waiting = new java.util.ArrayDeque<>(jobs);
        List<Slot> slots = new ArrayList<>();
        try (NDManager gm = data.manager.newSubManager(device)) {
            StackedModel model = null;
            StackedModel best = null; // every model's weights of its best epoch so far
            StackedAdam adam = null;
            ModelSpec spec = null;
            NDManager stackData = null; // arrays of one stack composition (held-out inputs)
            List<int[]> segments = null;
            NDList heldInputs = null;
            double saveEvery = checkpoint == null ? -1 : StackCheckpoint.minutes();
            long lastSave = System.nanoTime();
            try {
                Restored restored = checkpoint == null ? null
                        : resume(checkpoint, configs, sources, jobs, config, data.groupDims, p, engine, gm, device, listener);
                if (restored != null) {
                    slots = restored.slots();
                    model = restored.model();
                    best = restored.best();
                    adam = restored.adam();
                    spec = model.spec();
                    hMax = restored.heldRowsPadded();
                    java.util.Set<String> inStack = new java.util.HashSet<>();
                    for (Slot s : slots) inStack.add(s.job.key());
                    waiting.removeIf(j -> inStack.contains(j.key()));
                    stackData = gm.newSubManager(device);
                    segments = segments(slots);
                    heldInputs = heldInputs(sources, segments, slots, hMax, stackData);
                }
                while (true) {
                    // ---- a checkpoint, after an epoch (before the finished models leave) -----------------------
                    if (model != null && saveEvery >= 0 && (System.nanoTime() - lastSave) / 60e9 >= saveEvery) {
                        // an interrupt that came during the epoch (or comes during the save) waits for it: the epoch
                        // is kept, and the interrupt stops the training at its next check
                        try {
                            save(checkpoint, slots, model, best, adam, spec, folds, hMax, device);
                        } catch (java.io.UncheckedIOException e) {
                            // a checkpoint only saves time: the training goes on without (a full disk, say)
                            listener.onMessage(e.getMessage() + "; training goes on without checkpoints");
                            saveEvery = -1;
                        }
                        lastSave = System.nanoTime();
                    }
                    // ---- epoch boundary: finished models leave, waiting jobs join -----------------------------
                    int active = 0;
                    List<Slot> done = new ArrayList<>();
                    for (Slot s : slots) {
                        if (s.active) active++;
                        else if (!s.reported) done.add(s);
                    }
                    if (!done.isEmpty()) {
                        long t0 = System.nanoTime();
                        evaluateTests(best, slots, done, sources, segments, data, testTemplates);
                        double share = (System.nanoTime() - t0) / 1e9 / done.size() / stacksAtOnce.getAsInt(); // as an epoch's
                        for (Slot s : done) s.seconds += share;
                    }
                    for (Slot s : done) {
                        sink.accept(result(s, spec, folds, device));
                        s.reported = true;
                    }
                    // compacting: whenever a model stopped, except that a last model keeps one stopped passenger
                    // (see below); without: when the whole wave is done
                    boolean rebuild = slots.isEmpty() || (compact
                            ? active < slots.size() && !(active == 1 && slots.size() == 2 && waiting.isEmpty())
                            : active == 0);
                    if (rebuild) {
                        long t0 = System.nanoTime();
                        List<Slot> added = new ArrayList<>();
                        while (active + added.size() < k && !waiting.isEmpty()) {
                            Job j = waiting.poll();
                            added.add(new Slot(j, configs.get(j.source()), sources.get(j.source())));
                        }
                        if (active + added.size() == 0) break;
                        // Never a stack of one after a stack of several: libtorch multiplies one model's matrices
                        // by another kernel (a matrix-vector product where a layer has one output), which rounds
                        // differently; a stopped model stays along, masked, so the last one keeps its numbers.
                        boolean passenger = active + added.size() == 1 && slots.size() >= 2;
                        List<Slot> kept = new ArrayList<>();
                        List<Integer> keep = new ArrayList<>();
                        for (int i = 0; i < slots.size(); i++) {
                            Slot s = slots.get(i);
                            if (s.active || passenger) {
                                if (!s.active) passenger = false;
                                kept.add(s);
                                keep.add(i);
                            }
                        }
                        slots = new ArrayList<>(kept);
                        slots.addAll(added);
                        if (spec == null) spec = FoldTrainer.spec(config, data.groupDims, added.get(0).mu0);
                        StackedModel fresh = added.isEmpty() ? null : build(engine, spec, added, sources, gm, device);
                        if (model == null) {
                            model = fresh;
                            best = model.copy(gm);
                            adam = new StackedAdam(model, p.learningRate().floatValue(), p.weightDecay().floatValue(), gm);
                        } else {
                            int[] keepIdx = keep.stream().mapToInt(Integer::intValue).toArray();
                            model.retain(keepIdx, fresh);
                            best.retain(keepIdx, fresh); // a newcomer's best is set at its first epoch
                            adam.retain(keepIdx, added.size());
                            if (fresh != null) fresh.close();
                        }
                        if (stackData != null) stackData.close();
                        stackData = gm.newSubManager(device);
                        segments = segments(slots);
                        heldInputs = heldInputs(sources, segments, slots, hMax, stackData);
                        for (Slot s : added) listener.onFoldStart(s.config.name(), s.job.seed(), s.job.fold(), s.epochs);
                        double share = (System.nanoTime() - t0) / 1e9 / (active + added.size()) / stacksAtOnce.getAsInt();
                        for (Slot s : slots) if (s.active) s.seconds += share;
                    }
                    trainEpoch(engine, model, best, adam, slots, heldInputs, sources, segments, data, batchSize,
                            dropout, lambdaE, lambdaV, device, listener, stacksAtOnce.getAsInt());
                }
                if (checkpoint != null) StackCheckpoint.discard(checkpoint, listener, ""); // every fold is written
            } finally {
                if (stackData != null) stackData.close();
            }
        }
    }

    /** A stack as a checkpoint left it. */
    private record Restored(List<Slot> slots, StackedModel model, StackedModel best, StackedAdam adam, int heldRowsPadded) {}

    /**
     * The stack saved at {@code checkpoint}, rebuilt (models built from their seeds, then given the saved weights and
     * optimizer state), or null when there is none or it is not for these jobs (then it is deleted).
     */
    private static Restored resume(StackCheckpoint.Place checkpoint, List<ExperimentConfig> configs, List<DeviceData> sources,
                                   List<Job> jobs, ExperimentConfig config, long[][] groupDims, ExperimentConfig.Protocol p,
                                   Engine engine, NDManager gm, Device device, RunListener listener) {
        Optional<StackCheckpoint.State> saved = StackCheckpoint.load(checkpoint, device, gm, listener);
        if (saved.isEmpty()) return null;
        StackCheckpoint.State state = saved.get();
        List<Slot> slots = restoreSlots(state, configs, sources, jobs);
        if (slots == null) {
            StackCheckpoint.close(state.arrays());
            StackCheckpoint.discard(checkpoint, listener, "it holds folds of another training (other configs or rows)");
            return null;
        }
        ModelSpec spec = FoldTrainer.spec(config, groupDims, slots.get(0).mu0);
        StackedModel model = build(engine, spec, slots, sources, gm, device);
        model.load(state.arrays().get("model"));
        StackedModel best = model.copy(gm);
        best.load(state.arrays().get("best"));
        StackedAdam adam = new StackedAdam(model, p.learningRate().floatValue(), p.weightDecay().floatValue(), gm);
        adam.restore(state.arrays().get("mean"), state.arrays().get("variance"), state.header().adamSteps());
        int epoch = 0;
        for (Slot s : slots) {
            if (s.active) listener.onFoldStart(s.config.name(), s.job.seed(), s.job.fold(), s.epochs);
            epoch = Math.max(epoch, s.epochsRun);
        }
        listener.onMessage("resumed " + slots.size() + " models from the training checkpoint " + checkpoint.dir()
                + " (up to epoch " + epoch + ")");
        return new Restored(slots, model, best, adam, state.header().heldRowsPadded());
    }

    /** Writes the stack's state (after an epoch) to {@code checkpoint}. */
    private static void save(StackCheckpoint.Place checkpoint, List<Slot> slots, StackedModel model, StackedModel best,
                             StackedAdam adam, ModelSpec spec, int folds, int hMax, Device device) {
        List<StackCheckpoint.SlotState> states = new ArrayList<>(slots.size());
        List<FoldResult> parts = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            states.add(new StackCheckpoint.SlotState(s.config.name(), s.job.seed(), s.job.fold(), s.job.trainRows(),
                    s.job.heldRows(), s.active, s.reported, Double.toString(s.bestCombined)));
            parts.add(result(s, spec, folds, device));
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
    private static List<Slot> restoreSlots(StackCheckpoint.State state, List<ExperimentConfig> configs,
                                           List<DeviceData> sources, List<Job> jobs) {
        Map<String, Integer> sourceOf = new java.util.HashMap<>();
        for (int i = 0; i < configs.size(); i++) sourceOf.put(configs.get(i).name(), i);
        Map<String, Job> pending = new java.util.HashMap<>();
        for (Job j : jobs) pending.put(j.key(), j);
        List<Slot> slots = new ArrayList<>();
        List<StackCheckpoint.SlotState> states = state.header().slots();
        for (int i = 0; i < states.size(); i++) {
            StackCheckpoint.SlotState st = states.get(i);
            Integer src = sourceOf.get(st.experiment());
            if (src == null) return null;
            Job saved = new Job(st.seed(), st.fold(), st.trainRows(), st.heldRows(), src);
            Job job = pending.get(saved.key());
            boolean finished = job == null; // its fold is on disk
            if (finished) {
                job = saved;
            } else if (!java.util.Arrays.equals(job.trainRows(), st.trainRows()) || !java.util.Arrays.equals(job.heldRows(), st.heldRows())) {
                return null;
            }
            Slot s = new Slot(job, configs.get(src), sources.get(src));
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

    /** Builds the added models, each from its own seed as the sequential engine would, and stacks them. */
    private static StackedModel build(Engine engine, ModelSpec spec, List<Slot> added, List<DeviceData> sources,
                                      NDManager gm, Device device) {
        try (NDManager init = gm.newSubManager(device)) {
            List<MerModel> models = new ArrayList<>(added.size());
            for (Slot s : added) {
                MerModel m;
                synchronized (GlobalGenerator.LOCK) {
                    engine.setRandomSeed((int) FoldTrainer.foldSeed(s.job.seed(), s.job.fold(), 0));
                    m = Models.build(FoldTrainer.spec(s.config, sources.get(s.job.source()).groupDims, s.mu0));
                    m.initialize(init, DataType.FLOAT32, m.inputShapes(1));
                }
                models.add(m);
            }
            return StackedModel.of(spec, models, gm);
        }
    }

    /** Contiguous runs of models reading the same source: {start, end, source} per run. */
    private static List<int[]> segments(List<Slot> slots) {
        List<int[]> segments = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            int src = slots.get(i).job.source();
            if (segments.isEmpty() || segments.get(segments.size() - 1)[2] != src) segments.add(new int[] {i, i + 1, src});
            else segments.get(segments.size() - 1)[1] = i + 1;
        }
        return segments;
    }

    /** Every model's held-out rows (K, hMax, D), padded with its last row, in {@code into}. */
    private static NDList heldInputs(List<DeviceData> sources, List<int[]> segments, List<Slot> slots, int hMax,
                                     NDManager into) {
        int k = slots.size();
        long[] heldIdx = new long[k * hMax];
        for (int i = 0; i < k; i++) {
            int[] h = slots.get(i).job.heldRows();
            for (int r = 0; r < hMax; r++) heldIdx[i * hMax + r] = h[Math.min(r, h.length - 1)];
        }
        try (NDScope scope = new NDScope()) {
            NDList in = gather(sources, segments, into.create(heldIdx, new Shape(k, hMax)));
            NDScope.unregister(in);
            for (NDArray a : in) a.attach(into);
            scope.suppressNotUsedWarning();
            return in;
        }
    }

    private static FoldResult result(Slot s, ModelSpec spec, int folds, Device device) {
        FoldSummary summary = new FoldSummary(s.config.name(), s.job.seed(), s.job.fold(), folds, s.job.trainRows().length,
                s.job.heldRows().length, s.bestEpoch, s.epochsRun, s.epochs, s.stoppedEarly, s.bestScore, s.curves,
                s.bestAttention, spec.decoder() == ModelSpec.DecoderKind.SEPARATE ? null : s.mu0, s.muKept, s.seconds,
                device.toString());
        return new FoldResult(summary, s.bestHeld, s.bestTests);
    }

    /**
     * One epoch of every active model of the stack: the epoch's batches ({@link EpochBatches}), a batched step each
     * ({@link #step}), then the held-out evaluation and bookkeeping ({@link #endEpoch}). Kept as small methods: the
     * JIT compiled the one long method this was three times in a run, about 2.3 s of a core on the 2-core machine,
     * while training waited for that core (docs/benchmarks.md, "Dropout drawn in Java, and the JIT's share").
     */
    private static void trainEpoch(Engine engine, StackedModel model, StackedModel best, StackedAdam adam, List<Slot> slots,
                                   NDList heldInputs, List<DeviceData> sources, List<int[]> segments, DeviceData data,
                                   int batchSize, boolean dropout, float lambdaE, float lambdaV, Device device,
                                   RunListener listener, int stacksAtOnce) {
        long t0 = System.nanoTime();
        int k = slots.size();
        Slot first = slots.get(0);
        List<Slot> training = new ArrayList<>();
        for (Slot s : slots) {
            if (!s.active) continue;
            training.add(s);
            s.epochsRun++;
            FoldTrainer.shuffle(s.order, s.shuffler);
        }
        long[] dropoutSeeds = new long[k];
        int[] epochs = new int[k];
        boolean[] live = new boolean[k];
        for (int i = 0; i < k; i++) {
            Slot s = slots.get(i);
            dropoutSeeds[i] = s.dropoutSeed;
            epochs[i] = s.epochsRun;
            live[i] = s.active;
        }
        float[] lossSum;
        try (NDManager em = data.manager.newSubManager(device);
             DropoutStreams masks = DropoutStreams.of(engine, em, device, batchSize, model.dropoutWidth())) {
            NDArray lossAcc = em.zeros(new Shape(k), DataType.FLOAT32);
            EpochBatches batches = EpochBatches.of(slots, batchSize, em);
            // a step's dropout uniforms, made inside the step's scope, which frees them
            IntFunction<NDArray> uniforms = b -> dropout ? masks.step(dropoutSeeds, epochs, live, batches.stepping()[b], b) : null;
            for (int b = 0; b < batches.steps(); b++) {
                FoldTrainer.checkInterrupt(first.job.seed(), first.job.fold(), first.epochsRun);
                step(model, adam, batches, b, uniforms, sources, segments, data, lambdaE, lambdaV, lossAcc);
            }
            lossSum = lossAcc.toFloatArray();
        }
        double epochSeconds = (System.nanoTime() - t0) / 1e9;
        FoldTrainer.checkInterrupt(first.job.seed(), first.job.fold(), first.epochsRun);
        endEpoch(model, best, slots, heldInputs, lossSum, epochSeconds / training.size() / stacksAtOnce, listener);
        // the whole epoch (masked models included: they cost too) shared among the models that trained in it, and
        // among the stacks training beside this one (CpuStacks)
        double share = (System.nanoTime() - t0) / 1e9 / training.size() / stacksAtOnce;
        for (Slot s : training) s.seconds += share;
    }

    /**
     * An epoch's batches of every model of the stack, on the device in one copy per array (each step takes views):
     * per step and model the rows (padded), a row mask, the count of valid rows (at least 1) and the weight of the
     * model's loss (0: the model does not step). A step then waits for nothing: on a GPU a copy from Java's memory
     * waits for every kernel queued before it, which made every step wait for the last one (and, with --parallel,
     * for the other configs' steps).
     */
    private record EpochBatches(int steps, NDArray rows, NDArray mask, NDArray count, NDArray weight, boolean[][] stepping) {
        static EpochBatches of(List<Slot> slots, int batchSize, NDManager em) {
            int k = slots.size();
            int steps = 0;
            for (Slot s : slots) if (s.active) steps = Math.max(steps, s.batches);
            long[] idx = new long[steps * k * batchSize];
            float[] mask = new float[steps * k * batchSize];
            float[] count = new float[steps * k];
            float[] weight = new float[steps * k];
            boolean[][] stepping = new boolean[steps][k];
            for (int b = 0; b < steps; b++) {
                for (int i = 0; i < k; i++) {
                    Slot s = slots.get(i);
                    int from = b * batchSize;
                    int to = Math.min(s.order.length, from + batchSize);
                    boolean step = s.active && from < to;
                    stepping[b][i] = step;
                    int row0 = (b * k + i) * batchSize;
                    for (int r = 0; r < batchSize; r++) {
                        boolean valid = step && from + r < to;
                        idx[row0 + r] = valid ? s.order[from + r] : 0;
                        mask[row0 + r] = valid ? 1f : 0f;
                    }
                    count[b * k + i] = step ? to - from : 1;
                    weight[b * k + i] = step ? 1f : 0f;
                }
            }
            return new EpochBatches(steps, em.create(idx, new Shape(steps, k, batchSize)), em.create(mask, new Shape(steps, k, batchSize)),
                    em.create(count, new Shape(steps, k)), em.create(weight, new Shape(steps, k)), stepping);
        }
    }

    /** Batched step {@code b} of the epoch: forward, every model's loss, backward, Adam; the losses added to {@code lossAcc}. */
    private static void step(StackedModel model, StackedAdam adam, EpochBatches batches, int b, IntFunction<NDArray> uniforms,
                             List<DeviceData> sources, List<int[]> segments, DeviceData data, float lambdaE, float lambdaV,
                             NDArray lossAcc) {
        try (NDScope scope = new NDScope()) {
            NDArray idxArray = batches.rows().get(b);
            NDList inputs = gather(sources, segments, idxArray);
            NDArray classes = data.trainClassArray.get(idxArray);
            NDArray valence = data.trainValenceArray.get(idxArray);
            NDArray weightArray = batches.weight().get(b);
            NDArray dropoutUniforms = uniforms.apply(b);
            NDArray perModel;
            try (Autograd rec = Autograd.record()) {
                StackedModel.Output out = model.forward(inputs, dropoutUniforms);
                perModel = model.losses(out, classes, valence, batches.mask().get(b), batches.count().get(b), lambdaE, lambdaV);
                rec.backward(perModel.mul(weightArray).sum());
            }
            lossAcc.addi(perModel.mul(weightArray));
            long tAdam = System.nanoTime();
            adam.step(batches.stepping()[b]);
            OPTIMIZER_NANOS.addAndGet(System.nanoTime() - tAdam);
            MODEL_STEPS.addAndGet(model.size());
            STACK_STEPS.incrementAndGet();
            scope.suppressNotUsedWarning();
        }
    }

    /**
     * After an epoch: every active model's held-out score, its curve point, its best epoch (whose weights {@code best}
     * keeps) and its patience stop or end.
     */
    private static void endEpoch(StackedModel model, StackedModel best, List<Slot> slots, NDList heldInputs, float[] lossSum,
                                 double secondsPerModel, RunListener listener) {
        int k = slots.size();
        float[][] sigmas = sigmas(model);
        float[][] mus = mus(model);
        int[] heldRows = new int[k];
        for (int i = 0; i < k; i++) heldRows[i] = slots.get(i).job.heldRows().length;
        List<FoldTrainer.Eval> held = evaluate(model, heldInputs, heldRows);
        boolean[] improvedSlots = new boolean[k];
        boolean anyImproved = false;
        for (int i = 0; i < k; i++) {
            Slot s = slots.get(i);
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
        // the improved models' weights are kept; their tests are evaluated once, when they are done (evaluateTests)
        if (anyImproved) best.copyModelsFrom(model, improvedSlots);
    }

    /**
     * The test sets' predictions of the models {@code done} (stopped or finished, not yet reported), from their best
     * epoch's weights: one forward of the whole stack per test split (the others' rows are not used). A model's
     * numbers do not depend on its stack, so these are the predictions an evaluation at its best epoch gave.
     */
    private static void evaluateTests(StackedModel best, List<Slot> slots, List<Slot> done, List<DeviceData> sources,
                                      List<int[]> segments, DeviceData data, Map<Split, SplitPredictions> testTemplates) {
        int k = slots.size();
        for (Map.Entry<Split, NDList> t : data.testInputs.entrySet()) {
            int n = (int) t.getValue().get(0).getShape().get(0);
            int[] rows = new int[k];
            java.util.Arrays.fill(rows, n);
            List<FoldTrainer.Eval> te;
            try (NDScope scope = new NDScope()) {
                te = evaluate(best, testInputs(sources, segments, t.getKey(), roundUp(n, ROW_BLOCK)), rows);
                scope.suppressNotUsedWarning();
            }
            for (Slot s : done) {
                FoldTrainer.Eval e = te.get(slots.indexOf(s));
                s.bestTests.put(t.getKey().id(), testTemplates.get(t.getKey()).with(e.logits(), e.valence()));
            }
        }
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

    /**
     * A test split's inputs, {@code rows} (≥ N) per model, the last row repeated: shared (rows, D) with one source;
     * else each source's broadcast over its models, concatenated.
     */
    private static NDList testInputs(List<DeviceData> sources, List<int[]> segments, Split split, int rows) {
        List<NDList> parts = new ArrayList<>();
        for (int[] seg : segments) {
            NDList in = sources.get(seg[2]).testInputs.get(split);
            long n = in.get(0).getShape().get(0);
            long[] pad = new long[rows];
            for (int r = 0; r < rows; r++) pad[r] = Math.min(r, n - 1);
            NDArray padIdx = in.get(0).getManager().create(pad);
            NDList b = new NDList(in.size());
            for (NDArray x : in) {
                NDArray padded = x.get(padIdx);
                b.add(segments.size() == 1 ? padded
                        : padded.expandDims(0).broadcast(new Shape(seg[1] - seg[0], rows, x.getShape().get(1))));
            }
            if (segments.size() == 1) return b;
            parts.add(b);
        }
        return concatInputs(parts);
    }

    private static int roundUp(int n, int block) {
        return (n + block - 1) / block * block;
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
