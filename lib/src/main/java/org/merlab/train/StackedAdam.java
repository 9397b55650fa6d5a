package org.merlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.merlab.model.FlatArrays;
import org.merlab.model.StackedModel;

/**
 * K independent Adam optimizers on stacked parameters (leading model axis): per model its own step
 * count and bias correction, the moments elementwise, coupled L2 weight decay ({@code grad + wd·w},
 * PyTorch {@code Adam(weight_decay=wd)}) except for s_e/s_v, and a per-step mask: a model with
 * mask 0 (stopped early, or no rows left this epoch) keeps its weights, moments and step count
 * exactly; {@link #retain} follows the model when it drops stopped models from the stack. Same
 * update as DJL's {@code Adam} that {@link DecayMaskedAdam} wraps: lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ),
 * w −= lr_t·m/(√v + ε); on the CPU computed by {@link CpuAdamKernel}, whose square root is correctly rounded
 * where libtorch's is not, so weights can differ from DJL's update in the last bit. Gradients are dropped after
 * each step ({@link StackedModel#dropGradients}): the next backward writes them afresh.
 */
final class StackedAdam {
    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-8f;

    private final StackedModel model;
    private final float learningRate;
    private final float weightDecay;
    private final List<String> noDecay;
    private final Map<String, NDArray> means = new LinkedHashMap<>();
    private final Map<String, NDArray> variances = new LinkedHashMap<>();
    private final NDManager manager;
    private int[] steps;
    private final CpuAdamKernel kernel; // null: libtorch's update everywhere
    private final int threads;
    /** Flat layout ({@link #FLAT}): per group of the model's flat parameters its weight decay and moment buffers. */
    private final boolean flat;
    private final float[] groupDecay;
    private final List<NDArray> meanFlats = new java.util.ArrayList<>();
    private final List<NDArray> varianceFlats = new java.util.ArrayList<>();

    StackedAdam(StackedModel model, float learningRate, float weightDecay, NDManager manager) {
        this.model = model;
        this.manager = manager;
        this.learningRate = learningRate;
        this.weightDecay = weightDecay;
        this.noDecay = model.noDecayNames();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            NDArray m = manager.zeros(e.getValue().getShape(), e.getValue().getDataType(), e.getValue().getDevice());
            NDArray v = manager.zeros(e.getValue().getShape(), e.getValue().getDataType(), e.getValue().getDevice());
            means.put(e.getKey(), m);
            variances.put(e.getKey(), v);
        }
        steps = new int[model.size()];
        ai.djl.Device device = model.parameters().values().iterator().next().getDevice();
        String impl = implementation(device);
        kernel = impl.equals(JAVA) ? new CpuAdamKernel(BETA1, BETA2, EPSILON) : null;
        threads = Math.max(1, ComputeDevice.threads());
        flat = impl.equals(FLAT);
        if (flat) {
            // two groups, so that each is one update with one weight decay: decayed parameters, then s_e/s_v
            List<String> decayed = new java.util.ArrayList<>(model.parameters().keySet());
            decayed.removeAll(noDecay);
            model.flatten(List.of(decayed, noDecay));
            groupDecay = new float[model.flatGroups().size()];
            for (int g = 0; g < groupDecay.length; g++) {
                groupDecay[g] = noDecay.containsAll(model.flatGroups().get(g)) ? 0f : weightDecay;
            }
            joinMoments();
        } else {
            groupDecay = new float[0];
        }
    }

    /** Lays the moments out like the model's flat groups (views of one buffer per group, see {@link FlatArrays}). */
    private void joinMoments() {
        for (NDArray f : meanFlats) f.close();
        for (NDArray f : varianceFlats) f.close();
        meanFlats.clear();
        varianceFlats.clear();
        for (List<String> g : model.flatGroups()) {
            meanFlats.add(FlatArrays.join(means, g, false, manager));
            varianceFlats.add(FlatArrays.join(variances, g, false, manager));
        }
    }

    /** The first moments by parameter name (live arrays; for a checkpoint). */
    Map<String, NDArray> means() {
        return means;
    }

    /** The second moments by parameter name (live arrays; for a checkpoint). */
    Map<String, NDArray> variances() {
        return variances;
    }

    /** Steps taken by each model of the stack. */
    int[] stepCounts() {
        return steps.clone();
    }

    /**
     * Puts saved moments and step counts (a training checkpoint of the same stack) in place of this optimizer's, so that
     * the next update is the one the saved stack would have made.
     */
    void restore(Map<String, NDArray> savedMeans, Map<String, NDArray> savedVariances, int[] savedSteps) {
        if (savedSteps.length != steps.length) throw new IllegalArgumentException(savedSteps.length + " step counts for " + steps.length + " models");
        for (Map.Entry<Map<String, NDArray>, Map<String, NDArray>> pair : List.of(Map.entry(means, savedMeans), Map.entry(variances, savedVariances))) {
            Map<String, NDArray> state = pair.getKey();
            if (!pair.getValue().keySet().equals(state.keySet())) throw new IllegalArgumentException("moments of " + pair.getValue().keySet());
            for (Map.Entry<String, NDArray> e : state.entrySet()) {
                NDArray saved = pair.getValue().get(e.getKey());
                if (!saved.getShape().equals(e.getValue().getShape())) throw new IllegalArgumentException(e.getKey() + ": shape " + saved.getShape());
                saved.attach(manager);
                NDArray old = e.getValue();
                e.setValue(saved);
                old.close();
            }
        }
        steps = savedSteps.clone();
        if (flat) joinMoments(); // lays the restored moments end to end again
    }

    /** Steps taken by model k. */
    int steps(int k) {
        return steps[k];
    }

    /**
     * Follows {@link StackedModel#retain}: the moments and step counts of models {@code keep} (in that order), then
     * {@code added} fresh models (zero moments, no steps), so every kept model's next update is the one it would
     * have had in the old stack.
     */
    void retain(int[] keep, int added) {
        for (Map<String, NDArray> state : List.of(means, variances)) {
            for (Map.Entry<String, NDArray> e : state.entrySet()) {
                NDArray old = e.getValue();
                NDArray fresh = added == 0 ? null
                        : manager.zeros(new Shape(added).addAll(old.getShape().slice(1)), old.getDataType(), old.getDevice());
                e.setValue(StackedModel.gatherModels(old, keep, fresh, manager));
                old.close();
                if (fresh != null) fresh.close();
            }
        }
        int[] next = new int[keep.length + added];
        for (int i = 0; i < keep.length; i++) next[i] = steps[keep[i]];
        steps = next;
        if (flat) joinMoments(); // the model re-flattened its parameters in its own retain
    }

    /** Elements per native update call: temporaries of 1 MB stay in cache and are reused by malloc (see step). */
    static final int CHUNK = 1 << 18;

    /**
     * The update: {@value #JAVA} ({@link CpuAdamKernel}, the CPU default), {@value #FLAT} (libtorch's update over the
     * parameters laid end to end, the GPU default) or {@value #LIBTORCH} (libtorch's update per parameter).
     */
    static final String KERNEL_PROPERTY = "merlab.adam";
    static final String JAVA = "java";
    static final String FLAT = "flat";
    static final String LIBTORCH = "libtorch";

    /**
     * Which update a stack on {@code device} gets ({@link #KERNEL_PROPERTY}). {@value #JAVA} reads the stack's memory
     * from Java, so on a GPU it means the GPU default, {@value #FLAT}.
     */
    static String implementation(ai.djl.Device device) {
        String which = System.getProperty(KERNEL_PROPERTY, device.isGpu() ? FLAT : JAVA).trim();
        if (!List.of(JAVA, FLAT, LIBTORCH).contains(which)) {
            throw new IllegalArgumentException("-D" + KERNEL_PROPERTY + "=" + which + ": use java, flat or libtorch");
        }
        return device.isGpu() && which.equals(JAVA) ? FLAT : which;
    }

    /**
     * Starts what the update on {@code device} compiles before its first step (the Java kernel's vector lanes,
     * {@link CpuAdamKernel#warmUp}), so that it compiles while the data loads. A wrong {@value #KERNEL_PROPERTY} is
     * left for the trainer to report.
     */
    static void prepare(ai.djl.Device device) {
        try {
            if (implementation(device).equals(JAVA)) CpuAdamKernel.warmUp();
        } catch (IllegalArgumentException e) {
            // reported when a stack is made
        }
    }

    /**
     * {@link #implementation} in words, for the records: "java, vector lanes of 16 floats" or "java, scalar tiles"
     * ({@link CpuAdamKernel#scheme}: the same numbers either way), "flat" or "libtorch".
     */
    static String describe(ai.djl.Device device) {
        String impl = implementation(device);
        return impl.equals(JAVA) ? JAVA + ", " + CpuAdamKernel.defaultScheme() : impl;
    }

    /**
     * One update of every model whose {@code active[k]} is set, in place; then every model's gradients are dropped.
     *
     * <p>On the CPU the update is {@link CpuAdamKernel}: one pass over memory, per model its own bias-corrected step.
     * Elsewhere (a GPU, or {@code -Dmerlab.adam=flat|libtorch}) it goes through libtorch's native Adam update (the one
     * DJL's {@code Adam}, and so the sequential engine, uses), which takes one bias-corrected learning rate, so it
     * runs per run of neighbouring models that are active and have taken the same number of steps (one run unless
     * fold sizes or stops made them diverge). On a GPU ({@value #FLAT}) the parameters are laid end to end, one buffer
     * per weight-decay group ({@link StackedModel#flatten}), so that a step of a single run is one update per group,
     * 11 kernels each, instead of one update per parameter (40 parameters in an S1 model). Counted in a libtorch
     * profile of this path on the CPU (docs/benchmarks.md), an S1 step goes from 761 compute calls to 344, and from 908
     * libtorch calls to 532. Otherwise each run is one call per parameter, over the views when the stack is flat. On
     * the CPU libtorch's update goes over chunks of {@link #CHUNK} elements of the flattened stack: a stack of K
     * models' moments does not fit in cache, and each call's temporaries would otherwise be fresh tens-of-MB
     * allocations (new pages every step). Measured on the 2-core machine for a 15
     * M-parameter stack: 157 ms per step in one call, 20 ms chunked, 13 ms with {@link CpuAdamKernel} (11 ms alone).
     */
    void step(boolean[] active) {
        int k = model.size();
        for (int i = 0; i < k; i++) if (active[i]) steps[i]++;
        List<int[]> runs = new java.util.ArrayList<>();
        for (int i = 0; i < k; ) {
            if (!active[i]) {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < k && active[j] && steps[j] == steps[i]) j++;
            runs.add(new int[] {i, j});
            i = j;
        }
        if (flat && runs.size() == 1 && runs.get(0)[0] == 0 && runs.get(0)[1] == k) {
            // the common step: every model active, all at the same step count: one update per flat group
            float lrT = learningRate(steps[0]);
            for (int g = 0; g < groupDecay.length; g++) {
                try (NDArray grad = model.flatGradient(g)) {
                    update(model.flat(g), grad, meanFlats.get(g), varianceFlats.get(g), lrT, groupDecay[g]);
                }
            }
            model.dropGradients();
            return;
        }
        // otherwise per parameter (on a flat stack its parameters and moments are views, so updates land in the buffers)
        List<CpuAdamKernel.Run> javaRuns = new java.util.ArrayList<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            NDArray w = e.getValue();
            NDArray grad = w.getGradient();
            NDArray m = means.get(e.getKey());
            NDArray v = variances.get(e.getKey());
            long perModel = w.getShape().size() / k;
            float wd = noDecay.contains(e.getKey()) ? 0f : weightDecay;
            if (kernel != null && CpuAdamKernel.handles(w)) {
                ByteBuffer wb = CpuAdamKernel.bytes(w);
                ByteBuffer gb = CpuAdamKernel.bytes(grad);
                ByteBuffer mb = CpuAdamKernel.bytes(m);
                ByteBuffer vb = CpuAdamKernel.bytes(v);
                for (int[] run : runs) {
                    // handles(w): the whole stack fits an int index
                    javaRuns.add(new CpuAdamKernel.Run(wb, gb, mb, vb, (int) (run[0] * perModel), (int) (run[1] * perModel),
                            learningRate(steps[run[0]]), wd));
                }
                continue;
            }
            long chunk = w.getDevice().isGpu() ? 1L << 40 : CHUNK;
            if (runs.size() == 1 && runs.get(0)[0] == 0 && runs.get(0)[1] == k && k * perModel <= chunk) {
                // the whole stack in one call: no views to make (each is a JNI call; on a GPU these calls are the cost)
                update(w, grad, m, v, learningRate(steps[0]), wd);
                continue;
            }
            // contiguous stacks: the flat reshapes and their slices are views, so the updates land in the stack
            try (NDArray wf = w.reshape(-1); NDArray gf = grad.reshape(-1); NDArray mf = m.reshape(-1);
                    NDArray vf = v.reshape(-1)) {
                for (int[] run : runs) {
                    float lrT = learningRate(steps[run[0]]);
                    for (long from = run[0] * perModel, to = run[1] * perModel; from < to; from += chunk) {
                        NDIndex part = new NDIndex("{}:{}", from, Math.min(to, from + chunk));
                        try (NDArray ws = wf.get(part); NDArray gs = gf.get(part); NDArray ms = mf.get(part); NDArray vs = vf.get(part)) {
                            update(ws, gs, ms, vs, lrT, wd);
                        }
                    }
                }
            }
        }
        if (!javaRuns.isEmpty()) kernel.apply(javaRuns, threads);
        model.dropGradients();
    }

    /** Adam's bias-corrected step size after {@code t} steps. */
    private float learningRate(long t) {
        return (float) (learningRate * Math.sqrt(1.0 - Math.pow(BETA2, t)) / (1.0 - Math.pow(BETA1, t)));
    }

    /** libtorch's in-place Adam update of {@code w} (and the moments) from {@code g}. */
    private static void update(NDArray w, NDArray g, NDArray m, NDArray v, float lrT, float wd) {
        // weights list = g: a plain array has no gradient to zero; step drops the stack's
        w.getNDArrayInternal().adamUpdate(new NDList(w, g, m, v), new NDList(g), 0f, lrT, wd, 1f, -1f,
                BETA1, BETA2, EPSILON, false, false);
    }
}
