package org.merlab.model;

import java.util.Arrays;

/**
 * Everything that defines a model, with method.md's defaults, so an ablation flips one value:
 * {@code ModelSpec.paper(Structure.HIERARCHICAL, groups, mu).withDecoder(DecoderKind.SEPARATE)}.
 *
 * <p>Paper: S1–S3, joint decoding and the uncertainty loss; the MER 2023 baseline: official
 * attention fusion, separate heads, fixed loss. Our reading: every default below (method.md).
 *
 * <p>{@code groups}: the feature widths, grouped. Inputs are always fed group after group.
 * <ul>
 *   <li>{@code UNIMODAL}: exactly one feature;
 *   <li>{@code OFFICIAL_ATTENTION}, {@code FLAT}: the groups are flattened (grouping ignored);
 *   <li>{@code HIERARCHICAL} (S1): one AFG per group, then one over the groups
 *       (paper: {{HL18, HL19, HL20}, {RF, MR}});
 *   <li>{@code CROSS} (S3): exactly two groups, the layer features first, then the other modality.
 * </ul>
 *
 * @param structure fusion structure
 * @param groups feature widths per group
 * @param decoder decoder kind (default JOINT, residual)
 * @param loss loss kind (paper system: UNCERTAINTY; official baseline: FIXED)
 * @param d fused width (128)
 * @param hidden first layer width of every raw-feature MLP (256)
 * @param dropout dropout rate (0.3)
 * @param classMeanValence μ's initial value, per class (needed by JOINT, MAPPING, GATED)
 * @param softmaxWeights OFFICIAL_ATTENTION only: softmax over the branch weights (code: false)
 */
public record ModelSpec(
        Structure structure,
        long[][] groups,
        DecoderKind decoder,
        LossKind loss,
        int d,
        int hidden,
        float dropout,
        float[] classMeanValence,
        boolean softmaxWeights) {

    /** The five structures. */
    public enum Structure { UNIMODAL, OFFICIAL_ATTENTION, HIERARCHICAL, FLAT, CROSS }

    /** The four decoders: separate heads, or joint decoding with a residual, mapping-only or gated valence. */
    public enum DecoderKind { SEPARATE, JOINT, MAPPING, GATED }

    /** The two multi-task losses. */
    public enum LossKind { FIXED, UNCERTAINTY }

    public static final int DEFAULT_D = 128;
    public static final int DEFAULT_HIDDEN = 256;
    public static final float DEFAULT_DROPOUT = 0.3f;

    public ModelSpec {
        if (structure == null || decoder == null || loss == null || groups == null || groups.length == 0) {
            throw new IllegalArgumentException("structure, decoder, loss and groups are required");
        }
        long[][] copy = new long[groups.length][];
        for (int i = 0; i < groups.length; i++) {
            if (groups[i].length == 0) {
                throw new IllegalArgumentException("group " + i + " is empty");
            }
            copy[i] = groups[i].clone();
        }
        groups = copy;
        classMeanValence = classMeanValence == null ? null : classMeanValence.clone();
        if (decoder != DecoderKind.SEPARATE && classMeanValence == null) {
            throw new IllegalArgumentException(decoder + " decoding needs the per-class mean valence");
        }
        Layers.checkDropout(dropout);
    }

    /** The paper's system: joint (residual) decoding, uncertainty loss, d 128, hidden 256, dropout 0.3. */
    public static ModelSpec paper(Structure structure, long[][] groups, float[] classMeanValence) {
        return new ModelSpec(structure, groups, DecoderKind.JOINT, LossKind.UNCERTAINTY,
                DEFAULT_D, DEFAULT_HIDDEN, DEFAULT_DROPOUT, classMeanValence, false);
    }

    /** The MER 2023 official baseline: separate heads, fixed 1:1 loss (no μ needed). */
    public static ModelSpec official(Structure structure, long[][] groups) {
        return new ModelSpec(structure, groups, DecoderKind.SEPARATE, LossKind.FIXED,
                DEFAULT_D, DEFAULT_HIDDEN, DEFAULT_DROPOUT, null, false);
    }

    public ModelSpec withStructure(Structure s) {
        return new ModelSpec(s, groups, decoder, loss, d, hidden, dropout, classMeanValence, softmaxWeights);
    }

    public ModelSpec withGroups(long[][] g) {
        return new ModelSpec(structure, g, decoder, loss, d, hidden, dropout, classMeanValence, softmaxWeights);
    }

    public ModelSpec withDecoder(DecoderKind k) {
        return new ModelSpec(structure, groups, k, loss, d, hidden, dropout, classMeanValence, softmaxWeights);
    }

    public ModelSpec withLoss(LossKind k) {
        return new ModelSpec(structure, groups, decoder, k, d, hidden, dropout, classMeanValence, softmaxWeights);
    }

    public ModelSpec withD(int v) {
        return new ModelSpec(structure, groups, decoder, loss, v, hidden, dropout, classMeanValence, softmaxWeights);
    }

    public ModelSpec withHidden(int v) {
        return new ModelSpec(structure, groups, decoder, loss, d, v, dropout, classMeanValence, softmaxWeights);
    }

    public ModelSpec withDropout(float v) {
        return new ModelSpec(structure, groups, decoder, loss, d, hidden, v, classMeanValence, softmaxWeights);
    }

    public ModelSpec withClassMeanValence(float[] mu) {
        return new ModelSpec(structure, groups, decoder, loss, d, hidden, dropout, mu, softmaxWeights);
    }

    public ModelSpec withSoftmaxWeights(boolean v) {
        return new ModelSpec(structure, groups, decoder, loss, d, hidden, dropout, classMeanValence, v);
    }

    /** All feature widths, group after group (the model's input order). */
    public long[] featureDims() {
        return Arrays.stream(groups).flatMapToLong(Arrays::stream).toArray();
    }

    /** Defensive copy of the groups (the record accessor returns the internal array). */
    public long[][] groupsCopy() {
        long[][] copy = new long[groups.length][];
        for (int i = 0; i < groups.length; i++) {
            copy[i] = groups[i].clone();
        }
        return copy;
    }

    @Override
    public String toString() {
        return "ModelSpec[" + structure + ", groups=" + Arrays.deepToString(groups) + ", decoder=" + decoder
                + ", loss=" + loss + ", d=" + d + ", hidden=" + hidden + ", dropout=" + dropout
                + ", mu0=" + Arrays.toString(classMeanValence) + ", softmaxWeights=" + softmaxWeights + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec m && toString().equals(m.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
