package org.merlab.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import org.merlab.data.Split;
import org.merlab.experiment.ExperimentConfig;
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
 *
 * <p>This class is the stack's life (who joins and leaves, epochs, steps); the parts: {@link StackSlot} (one model's
 * state), {@link StackInputs} (the stack's input arrays), {@link StackEvaluation} (held-out scores, best epochs, stops,
 * tests), {@link StackState} (saving and resuming), {@link StackSize} (K) and {@link CpuStacks} (stacks at once).
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

    private static final AtomicLong MODEL_STEPS = new AtomicLong();
    private static final AtomicLong STACK_STEPS = new AtomicLong();
    private static final AtomicLong OPTIMIZER_NANOS = new AtomicLong();

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
        sorted.sort(Comparator.comparingInt(Job::source)); // stable: seed/fold order kept within a source
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
        List<Set<String>> held = new ArrayList<>();
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
        AtomicInteger running = new AtomicInteger(parts.size());
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

    /**
     * The stack: at most {@code k} models trained together, epoch by epoch. At an epoch boundary where a model has
     * stopped (patience) or finished its epochs, the stack is rebuilt over the models still training, plus waiting
     * jobs up to K: parameters and Adam state gathered along the model axis, everything else per model carried in
     * its {@link StackSlot}, so a kept model continues with exactly its numbers. A stopped model costs nothing after that
     * (masked, it would still be computed in every forward and backward); gathering is cheap next to an epoch.
     * Without compaction the stack is rebuilt only when all its models are done (waves). {@code stacksAtOnce}: how many
     * stacks are training at the moment ({@link CpuStacks}), among which the wall time is shared in the models' seconds.
     */
    private static void trainStack(List<ExperimentConfig> configs, List<DeviceData> sources, int folds, List<Job> jobs,
                                   int k, boolean compact, StackCheckpoint.Place checkpoint, RunListener listener,
                                   Consumer<FoldResult> sink, IntSupplier stacksAtOnce) {
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
        hMax = StackInputs.roundUp(hMax, ROW_BLOCK);

        ArrayDeque<Job> waiting = new ArrayDeque<>(jobs);
        List<StackSlot> slots = new ArrayList<>();
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
                StackState.Restored restored = checkpoint == null ? null
                        : StackState.resume(checkpoint, configs, sources, jobs, config, data.groupDims, p, engine, gm, device,
                                listener);
                if (restored != null) {
                    slots = restored.slots();
                    model = restored.model();
                    best = restored.best();
                    adam = restored.adam();
                    spec = model.spec();
                    hMax = restored.heldRowsPadded();
                    Set<String> inStack = new HashSet<>();
                    for (StackSlot s : slots) inStack.add(s.job.key());
                    waiting.removeIf(j -> inStack.contains(j.key()));
                    stackData = gm.newSubManager(device);
                    segments = StackInputs.segments(slots);
                    heldInputs = StackInputs.heldInputs(sources, segments, slots, hMax, stackData);
                }
                while (true) {
                    // ---- a checkpoint, after an epoch (before the finished models leave) -----------------------
                    if (model != null && saveEvery >= 0 && (System.nanoTime() - lastSave) / 60e9 >= saveEvery) {
                        // an interrupt that came during the epoch (or comes during the save) waits for it: the epoch
                        // is kept, and the interrupt stops the training at its next check
                        try {
                            StackState.save(checkpoint, slots, model, best, adam, spec, folds, hMax, device);
                        } catch (UncheckedIOException e) {
                            // a checkpoint only saves time: the training goes on without (a full disk, say)
                            listener.onMessage(e.getMessage() + "; training goes on without checkpoints");
                            saveEvery = -1;
                        }
                        lastSave = System.nanoTime();
                    }
                    // ---- epoch boundary: finished models leave, waiting jobs join -----------------------------
                    int active = 0;
                    List<StackSlot> done = new ArrayList<>();
                    for (StackSlot s : slots) {
                        if (s.active) active++;
                        else if (!s.reported) done.add(s);
                    }
                    if (!done.isEmpty()) {
                        long t0 = System.nanoTime();
                        StackEvaluation.testPredictions(best, slots, done, sources, segments, data, testTemplates);
                        double share = (System.nanoTime() - t0) / 1e9 / done.size() / stacksAtOnce.getAsInt(); // as an epoch's
                        for (StackSlot s : done) s.seconds += share;
                    }
                    for (StackSlot s : done) {
                        sink.accept(s.result(spec, folds, device));
                        s.reported = true;
                    }
                    // compacting: whenever a model stopped, except that a last model keeps one stopped passenger
                    // (see below); without: when the whole wave is done
                    boolean rebuild = slots.isEmpty() || (compact
                            ? active < slots.size() && !(active == 1 && slots.size() == 2 && waiting.isEmpty())
                            : active == 0);
                    if (rebuild) {
                        long t0 = System.nanoTime();
                        List<StackSlot> added = new ArrayList<>();
                        while (active + added.size() < k && !waiting.isEmpty()) {
                            Job j = waiting.poll();
                            added.add(new StackSlot(j, configs.get(j.source()), sources.get(j.source())));
                        }
                        if (active + added.size() == 0) break;
                        // Never a stack of one after a stack of several: libtorch multiplies one model's matrices
                        // by another kernel (a matrix-vector product where a layer has one output), which rounds
                        // differently; a stopped model stays along, masked, so the last one keeps its numbers.
                        boolean passenger = active + added.size() == 1 && slots.size() >= 2;
                        List<StackSlot> kept = new ArrayList<>();
                        List<Integer> keep = new ArrayList<>();
                        for (int i = 0; i < slots.size(); i++) {
                            StackSlot s = slots.get(i);
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
                        segments = StackInputs.segments(slots);
                        heldInputs = StackInputs.heldInputs(sources, segments, slots, hMax, stackData);
                        for (StackSlot s : added) listener.onFoldStart(s.config.name(), s.job.seed(), s.job.fold(), s.epochs);
                        double share = (System.nanoTime() - t0) / 1e9 / (active + added.size()) / stacksAtOnce.getAsInt();
                        for (StackSlot s : slots) if (s.active) s.seconds += share;
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

    /** Builds the added models, each from its own seed as the sequential engine would, and stacks them. */
    static StackedModel build(Engine engine, ModelSpec spec, List<StackSlot> added, List<DeviceData> sources,
                              NDManager gm, Device device) {
        try (NDManager init = gm.newSubManager(device)) {
            List<MerModel> models = new ArrayList<>(added.size());
            for (StackSlot s : added) {
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

    /**
     * One epoch of every active model of the stack: the epoch's batches ({@link EpochBatches}), a batched step each
     * ({@link #step}), then the held-out evaluation and bookkeeping ({@link StackEvaluation#endEpoch}). Kept as small
     * methods: the JIT compiled the one long method this was three times in a run, about 2.3 s of a core on the 2-core
     * machine, while training waited for that core (docs/benchmarks.md, "Dropout drawn in Java, and the JIT's share").
     */
    private static void trainEpoch(Engine engine, StackedModel model, StackedModel best, StackedAdam adam, List<StackSlot> slots,
                                   NDList heldInputs, List<DeviceData> sources, List<int[]> segments, DeviceData data,
                                   int batchSize, boolean dropout, float lambdaE, float lambdaV, Device device,
                                   RunListener listener, int stacksAtOnce) {
        long t0 = System.nanoTime();
        int k = slots.size();
        StackSlot first = slots.get(0);
        List<StackSlot> training = new ArrayList<>();
        for (StackSlot s : slots) {
            if (!s.active) continue;
            training.add(s);
            s.epochsRun++;
            FoldTrainer.shuffle(s.order, s.shuffler);
        }
        long[] dropoutSeeds = new long[k];
        int[] epochs = new int[k];
        boolean[] live = new boolean[k];
        for (int i = 0; i < k; i++) {
            StackSlot s = slots.get(i);
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
        StackEvaluation.endEpoch(model, best, slots, heldInputs, lossSum, epochSeconds / training.size() / stacksAtOnce, listener);
        // the whole epoch (masked models included: they cost too) shared among the models that trained in it, and
        // among the stacks training beside this one (CpuStacks)
        double share = (System.nanoTime() - t0) / 1e9 / training.size() / stacksAtOnce;
        for (StackSlot s : training) s.seconds += share;
    }

    /**
     * An epoch's batches of every model of the stack, on the device in one copy per array (each step takes views):
     * per step and model the rows (padded), a row mask, the count of valid rows (at least 1) and the weight of the
     * model's loss (0: the model does not step). A step then waits for nothing: on a GPU a copy from Java's memory
     * waits for every kernel queued before it, which made every step wait for the last one (and, with --parallel,
     * for the other configs' steps).
     */
    private record EpochBatches(int steps, NDArray rows, NDArray mask, NDArray count, NDArray weight, boolean[][] stepping) {
        static EpochBatches of(List<StackSlot> slots, int batchSize, NDManager em) {
            int k = slots.size();
            int steps = 0;
            for (StackSlot s : slots) if (s.active) steps = Math.max(steps, s.batches);
            long[] idx = new long[steps * k * batchSize];
            float[] mask = new float[steps * k * batchSize];
            float[] count = new float[steps * k];
            float[] weight = new float[steps * k];
            boolean[][] stepping = new boolean[steps][k];
            for (int b = 0; b < steps; b++) {
                for (int i = 0; i < k; i++) {
                    StackSlot s = slots.get(i);
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
            NDList inputs = StackInputs.gather(sources, segments, idxArray);
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

}
