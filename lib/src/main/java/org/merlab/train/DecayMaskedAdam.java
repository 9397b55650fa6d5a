package org.merlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Set;

/**
 * Adam with coupled L2 weight decay (PyTorch {@code torch.optim.Adam(weight_decay=wd)}: the update
 * uses {@code grad + wd·w}) for every parameter except a given set, which gets no decay.
 *
 * <p>DJL's {@link Adam} applies one decay to every parameter; this wraps two of them (one with the
 * decay, one without) and routes each update by parameter id. The excluded set is the model's
 * {@link org.merlab.model.MerModel#noDecayParameterIds()} (s_e and s_v of the uncertainty loss;
 * method.md). Each delegate keeps its own step count and moments per parameter, so the split
 * changes nothing else. DJL's bias correction folds √(1−β₂ᵗ)/(1−β₁ᵗ) into the step with ε outside
 * it, a negligible difference from PyTorch at ε = 1e-8.
 */
public final class DecayMaskedAdam extends Optimizer {
    private final Adam decayed;
    private final Adam plain;
    private final Set<String> noDecayIds;
    private final float weightDecay;

    /**
     * @param learningRate fixed learning rate (method.md: 1e-3)
     * @param weightDecay coupled L2 factor (method.md: 1e-5)
     * @param noDecayIds parameter ids ({@code Parameter.getId()}) that get no weight decay
     */
    public DecayMaskedAdam(float learningRate, float weightDecay, Set<String> noDecayIds) {
        super(new NoOptions());
        this.decayed = Adam.builder().optLearningRateTracker(Tracker.fixed(learningRate)).optWeightDecays(weightDecay).build();
        this.plain = Adam.builder().optLearningRateTracker(Tracker.fixed(learningRate)).optWeightDecays(0f).build();
        this.noDecayIds = Set.copyOf(noDecayIds);
        this.weightDecay = weightDecay;
    }

    /** The weight decay a parameter gets: 0 for the excluded ids, else the configured factor. */
    public float weightDecayOf(String parameterId) {
        return noDecayIds.contains(parameterId) ? 0f : weightDecay;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        (noDecayIds.contains(parameterId) ? plain : decayed).update(parameterId, weight, grad);
    }

    /** The base class wants a builder; the wrapper itself has no options. */
    private static final class NoOptions extends OptimizerBuilder<NoOptions> {
        @Override
        protected NoOptions self() {
            return this;
        }
    }
}
