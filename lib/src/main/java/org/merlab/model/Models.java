package org.merlab.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;
import org.merlab.model.ModelSpec.DecoderKind;
import org.merlab.model.ModelSpec.Structure;

/**
 * Builds blocks and losses from a {@link ModelSpec}.
 *
 * <p>Which parts are the paper's and which are our reading is documented on each block; the
 * defaults (d 128, hidden 256, dropout 0.3, joint residual decoder, uncertainty loss for the paper
 * system, fixed loss and separate heads for the official baseline) are method.md's.
 */
public final class Models {

    /** Number of MER 2023 emotion classes. */
    public static final int NUM_CLASSES = 6;

    private Models() {}

    /** The whole model (structure → decoder [+ uncertainty weights]), not yet initialised. */
    public static MerModel build(ModelSpec spec) {
        FusionStructure s = structure(spec);
        Decoder dec = decoder(spec.decoder(), s.outputDim(), spec.classMeanValence());
        UncertaintyWeights uw = spec.loss() == ModelSpec.LossKind.UNCERTAINTY ? new UncertaintyWeights() : null;
        return new MerModel(s, dec, uw);
    }

    /** One-call form of {@link #build(ModelSpec)} (hidden width 256). */
    public static MerModel build(Structure structure, DecoderKind decoder, ModelSpec.LossKind loss, long[][] groups,
            int d, float dropout, float[] classMeanValence, boolean softmaxWeights) {
        return build(new ModelSpec(structure, groups, decoder, loss, d, ModelSpec.DEFAULT_HIDDEN, dropout,
                classMeanValence, softmaxWeights));
    }

    /** Builds and initialises the model for inputs of the spec's widths (parameters in {@code manager}). */
    public static MerModel buildInitialized(ModelSpec spec, NDManager manager) {
        MerModel model = build(spec);
        model.initialize(manager, DataType.FLOAT32, model.inputShapes(1));
        return model;
    }

    /** The loss that goes with the spec: {@link FixedWeightLoss} (1:1) or {@link UncertaintyLoss}. */
    public static Loss loss(ModelSpec spec) {
        return spec.loss() == ModelSpec.LossKind.UNCERTAINTY ? new UncertaintyLoss() : new FixedWeightLoss();
    }

    /** The fusion structure of a spec. */
    public static FusionStructure structure(ModelSpec spec) {
        long[][] g = spec.groupsCopy();
        long[] all = spec.featureDims();
        int d = spec.d();
        int hidden = spec.hidden();
        float p = spec.dropout();
        switch (spec.structure()) {
            case UNIMODAL:
                if (all.length != 1) {
                    throw new IllegalArgumentException("UNIMODAL takes exactly one feature, got " + all.length);
                }
                return new UnimodalMlp(all[0], hidden, d, p);
            case OFFICIAL_ATTENTION:
                return new OfficialAttentionFusion(all, hidden, d, p, spec.softmaxWeights());
            case HIERARCHICAL:
                return new HierarchicalFusion(g, hidden, d, p);
            case FLAT:
                return new FlatFusion(all, hidden, d, p);
            case CROSS:
                if (g.length != 2) {
                    throw new IllegalArgumentException("CROSS takes two groups (layers, other modality), got " + g.length);
                }
                return new CrossFusion(g[0], g[1], hidden, d, p);
            default:
                throw new IllegalArgumentException("unknown structure " + spec.structure());
        }
    }

    /** A decoder of the given kind on h of width {@code d}. */
    public static Decoder decoder(DecoderKind kind, int d, float[] classMeanValence) {
        switch (kind) {
            case SEPARATE:
                return new SeparateDecoder(d, classMeanValence == null ? NUM_CLASSES : classMeanValence.length);
            case JOINT:
                return new JointDecoder(d, classMeanValence, JointDecoder.Mode.RESIDUAL);
            case MAPPING:
                return new JointDecoder(d, classMeanValence, JointDecoder.Mode.MAPPING);
            case GATED:
                return new JointDecoder(d, classMeanValence, JointDecoder.Mode.GATED);
            default:
                throw new IllegalArgumentException("unknown decoder " + kind);
        }
    }
}
