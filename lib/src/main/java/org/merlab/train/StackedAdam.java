package org.merlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.merlab.model.StackedModel;

/**
 * K independent Adam optimizers on stacked parameters (leading model axis): per model its own step
 * count and bias correction, the moments elementwise, coupled L2 weight decay ({@code grad + wd·w},
 * PyTorch {@code Adam(weight_decay=wd)}) except for s_e/s_v, and a per-step mask: a model with
 * mask 0 (stopped early, or no rows left this epoch) keeps its weights, moments and step count
 * exactly. Same update as DJL's {@code Adam} that {@link DecayMaskedAdam} wraps: lr_t = lr·√(1−β₂ᵗ)
 * /(1−β₁ᵗ), w −= lr_t·m/(√v + ε). Gradients are zeroed after each step.
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
    private final int[] steps;

    StackedAdam(StackedModel model, float learningRate, float weightDecay, NDManager manager) {
        this.model = model;
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
    }

    /** Steps taken by model k. */
    int steps(int k) {
        return steps[k];
    }

    /** One update of every model whose {@code active[k]} is set; temporaries are attached to {@code scratch}. */
    void step(boolean[] active, NDManager scratch) {
        int k = model.size();
        float[] lr = new float[k];
        float[] b1 = new float[k];
        float[] c1 = new float[k];
        float[] b2 = new float[k];
        float[] c2 = new float[k];
        for (int i = 0; i < k; i++) {
            if (active[i]) {
                double t = ++steps[i];
                double coef1 = 1.0 - Math.pow(BETA1, t);
                double coef2 = 1.0 - Math.pow(BETA2, t);
                lr[i] = (float) (learningRate * Math.sqrt(coef2) / coef1);
                b1[i] = BETA1;
                c1[i] = 1 - BETA1;
                b2[i] = BETA2;
                c2[i] = 1 - BETA2;
            } else {
                b1[i] = 1f;
                b2[i] = 1f;
            }
        }
        Map<Integer, NDArray[]> byRank = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            NDArray w = e.getValue();
            int rank = w.getShape().dimension();
            NDArray[] coef = byRank.computeIfAbsent(rank, r -> {
                long[] dims = new long[r];
                java.util.Arrays.fill(dims, 1);
                dims[0] = k;
                Shape s = new Shape(dims);
                return new NDArray[] {scratch.create(lr, s), scratch.create(b1, s), scratch.create(c1, s),
                    scratch.create(b2, s), scratch.create(c2, s)};
            });
            NDArray grad = w.getGradient();
            NDArray g = grad;
            float wd = noDecay.contains(e.getKey()) ? 0f : weightDecay;
            if (wd != 0f) g = grad.add(w.mul(wd));
            NDArray m = means.get(e.getKey());
            NDArray v = variances.get(e.getKey());
            m.muli(coef[1]).addi(g.mul(coef[2]));
            v.muli(coef[3]).addi(g.square().mul(coef[4]));
            w.subi(m.mul(coef[0]).div(v.sqrt().add(EPSILON)));
            grad.muli(0f);
        }
    }
}
