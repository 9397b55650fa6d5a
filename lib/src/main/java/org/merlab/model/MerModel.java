package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A whole MER-MULTI model: {@link FusionStructure} → {@link Decoder}, plus the loss's learnable
 * {@link UncertaintyWeights} when the uncertainty loss is used.
 *
 * <p>Input: one array (B, D_i) per feature, in the structure's order. Output, each array named:
 * {@code [logits (B×6) "logits", valence (B) "valence", attention arrays (B×n_k) "alpha...", then,
 * with uncertainty weights, s_e (1) "s_e", s_v (1) "s_v"]}. Read them with {@link #logits},
 * {@link #valence}, {@link #attention} or {@code NDList.get(name)}.
 *
 * <p>The valence is unclipped (clipping in training kills gradients): clip predictions with
 * {@link Decoder#clipValence}. Parameters: {@code structure_...}, {@code decoder_...}, {@code
 * uncertainty_s_e}, {@code uncertainty_s_v} (canonical names, {@link ParameterNames}).
 *
 * <p>Paper: fusion structure → joint decoder, trained with the uncertainty loss. Our reading:
 * carrying s_e, s_v inside the model block so DJL's optimizer updates them.
 */
public final class MerModel extends AbstractBlock {

    private static final byte VERSION = 1;

    private final FusionStructure structure;
    private final Decoder decoder;
    private final UncertaintyWeights uncertainty;

    /**
     * @param structure the fusion part
     * @param decoder the heads; its input width must equal the structure's output width
     * @param uncertainty the loss's log-variances, or null for the fixed-weight loss
     */
    public MerModel(FusionStructure structure, Decoder decoder, UncertaintyWeights uncertainty) {
        super(VERSION);
        if (decoder.inputDim() != structure.outputDim()) {
            throw new IllegalArgumentException("decoder input " + decoder.inputDim()
                    + " != structure output " + structure.outputDim());
        }
        this.structure = addChildBlock("structure", structure);
        this.decoder = addChildBlock("decoder", decoder);
        this.uncertainty = uncertainty == null ? null : addChildBlock("uncertainty", uncertainty);
    }

    public FusionStructure structure() {
        return structure;
    }

    public Decoder decoder() {
        return decoder;
    }

    /** The uncertainty weights, or null when the model is trained with the fixed-weight loss. */
    public UncertaintyWeights uncertainty() {
        return uncertainty;
    }

    /** The widths of the input features, in input order. */
    public long[] inputDims() {
        return structure.inputDims();
    }

    /** The input shapes for {@code initialize} / {@code Trainer.initialize}: (batch, D_i). */
    public Shape[] inputShapes(long batch) {
        return FusionStructure.shapes(batch, inputDims());
    }

    /** Names of the output arrays, in order. */
    public List<String> outputNames() {
        List<String> names = new ArrayList<>();
        names.add("logits");
        names.add("valence");
        names.addAll(structure.attentionNames());
        if (uncertainty != null) {
            names.add("s_e");
            names.add("s_v");
        }
        return names;
    }

    /**
     * Parameters that must get no weight decay: s_e and s_v (method.md). Empty without uncertainty
     * weights. An optimizer wrapper can compare {@link Parameter#getId()} with the {@code
     * parameterId} that DJL passes to {@code Optimizer.update}.
     */
    public List<Parameter> noDecayParameters() {
        return uncertainty == null ? List.of() : uncertainty.parameters();
    }

    /** The ids of {@link #noDecayParameters()}. */
    public Set<String> noDecayParameterIds() {
        Set<String> ids = new HashSet<>();
        for (Parameter p : noDecayParameters()) {
            ids.add(p.getId());
        }
        return ids;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList fused = structure.forward(ps, inputs, training, params);
        NDList out = decoder.forward(ps, new NDList(fused.head()), training, params);
        for (int i = 1; i < fused.size(); i++) {
            out.add(fused.get(i));
        }
        if (uncertainty != null) {
            out.addAll(uncertainty.forward(ps, new NDList(fused.head()), training, params));
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] fused = structure.getOutputShapes(inputShapes);
        Shape[] heads = decoder.getOutputShapes(new Shape[] {fused[0]});
        List<Shape> out = new ArrayList<>(List.of(heads));
        for (int i = 1; i < fused.length; i++) {
            out.add(fused[i]);
        }
        if (uncertainty != null) {
            out.add(new Shape(1));
            out.add(new Shape(1));
        }
        return out.toArray(new Shape[0]);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        structure.initialize(manager, dataType, inputShapes);
        long batch = Layers.batchOf(inputShapes);
        decoder.initialize(manager, dataType, new Shape(batch, structure.outputDim()));
        if (uncertainty != null) {
            uncertainty.initialize(manager, dataType, new Shape(batch, structure.outputDim()));
        }
    }

    /** The logits (B×C) of a model output. */
    public static NDArray logits(NDList output) {
        return output.get(0);
    }

    /** The unclipped valence (B) of a model output. */
    public static NDArray valence(NDList output) {
        return output.get(1);
    }

    /** An attention array of a model output by name (e.g. "alpha_top"), or null. */
    public static NDArray attention(NDList output, String name) {
        return output.get(name);
    }
}
