package org.merlab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Numerical parity of every block, decoder and loss with PyTorch 1.13 (fixtures written by
 * {@code src/test/resources/fixtures/model/make_model_fixtures.py}; no Python needed here).
 *
 * <p>Per case: the fixture's weights are loaded by canonical parameter name, the eval-mode forward
 * (dropout off) must match, and after backward of the same scalar (Σ_k Σ y_k·r_k for blocks, the
 * loss itself for losses and the full model) every parameter gradient and every input gradient
 * must match, each element within 1e-5 + 1e-5·|expected|.
 */
class PyTorchParityTest {

    /** Sizes used by make_model_fixtures.py. */
    static final int HIDDEN = 16;
    static final int D = 8;
    static final float P = 0.3f;
    static final long[] LAYERS = {12, 12, 12};
    static final long[] VISUAL = {7, 9};
    static final long[][] GROUPS = {LAYERS, VISUAL};
    static final float[] MU0 = {0.1f, -2.5f, 2.2f, -2.0f, -1.3f, 0.6f};

    private static NDManager root;

    @BeforeAll
    static void open() {
        root = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() throws IOException {
        root.close();
        String report = Parity.report();
        System.out.print(report);
        Path dir = Path.of("target");
        if (Files.isDirectory(dir)) {
            Files.writeString(dir.resolve("model-parity.txt"), report, StandardCharsets.UTF_8);
        }
    }

    // ------------------------------------------------------------------ encoders and AFG

    @Test
    void encoderRaw() {
        checkBlock("encoder_raw", FeatureEncoder.raw(12, HIDDEN, D, P), List.of("y"));
    }

    @Test
    void encoderGathered() {
        checkBlock("encoder_gathered", FeatureEncoder.gathered(D, P), List.of("y"));
    }

    @Test
    void attentionGather() {
        AttentionGather afg = new AttentionGather(List.of(
                FeatureEncoder.raw(12, HIDDEN, D, P), FeatureEncoder.raw(7, HIDDEN, D, P), FeatureEncoder.gathered(D, P)), D);
        checkBlock("afg", afg, List.of("g", "alpha"));
    }

    // ------------------------------------------------------------------ structures

    @Test
    void unimodal() {
        checkBlock("unimodal", new UnimodalMlp(12, HIDDEN, D, P), List.of("h"));
    }

    @Test
    void officialAttentionWithoutSoftmax() {
        checkBlock("official_nosoftmax", new OfficialAttentionFusion(new long[] {12, 9, 9}, HIDDEN, D, P, false),
                List.of("h", "alpha"));
    }

    @Test
    void officialAttentionWithSoftmax() {
        checkBlock("official_softmax", new OfficialAttentionFusion(new long[] {12, 9, 9}, HIDDEN, D, P, true),
                List.of("h", "alpha"));
    }

    @Test
    void s1Hierarchical() {
        checkBlock("s1_hierarchical", new HierarchicalFusion(GROUPS, HIDDEN, D, P),
                List.of("h", "alpha_group0", "alpha_group1", "alpha_top"));
    }

    @Test
    void s2Flat() {
        checkBlock("s2_flat", new FlatFusion(new long[] {12, 12, 12, 7, 9}, HIDDEN, D, P), List.of("h", "alpha"));
    }

    @Test
    void s3Cross() {
        checkBlock("s3_cross", new CrossFusion(LAYERS, VISUAL, HIDDEN, D, P),
                List.of("h", "alpha_other", "alpha_cross0", "alpha_cross1", "alpha_cross2", "alpha_top"));
    }

    // ------------------------------------------------------------------ decoders

    @Test
    void separateDecoder() {
        checkBlock("decoder_separate", new SeparateDecoder(D, 6), List.of("logits", "valence"));
    }

    @Test
    void jointDecoderResidual() {
        checkBlock("decoder_joint", new JointDecoder(D, MU0, JointDecoder.Mode.RESIDUAL), List.of("logits", "valence"));
    }

    @Test
    void jointDecoderMapping() {
        checkBlock("decoder_mapping", new JointDecoder(D, MU0, JointDecoder.Mode.MAPPING), List.of("logits", "valence"));
    }

    @Test
    void jointDecoderGated() {
        checkBlock("decoder_gated", new JointDecoder(D, MU0, JointDecoder.Mode.GATED), List.of("logits", "valence"));
    }

    // ------------------------------------------------------------------ losses

    @Test
    void fixedLoss() {
        checkLoss("loss_fixed", new FixedWeightLoss());
    }

    @Test
    void fixedLossWeighted() {
        checkLoss("loss_fixed_weighted", new FixedWeightLoss(0.7f, 1.3f));
    }

    @Test
    void uncertaintyLoss() {
        checkLoss("loss_uncertainty", new UncertaintyLoss());
    }

    // ------------------------------------------------------------------ full model

    /** S1 + joint (residual) decoder + uncertainty loss, built through the factory. */
    @Test
    void fullModel() {
        String name = "model_s1_joint_uncertainty";
        ModelSpec spec = ModelSpec.paper(ModelSpec.Structure.HIERARCHICAL, GROUPS, MU0).withD(D).withHidden(HIDDEN);
        MerModel model = Models.build(spec);
        try (NDManager m = root.newSubManager()) {
            Fixture f = Fixture.load(m, name);
            NDList xs = f.inputs();
            NDList labels = new NDList(f.get("lab__emo"), f.get("lab__val"));
            f.loadInto(model, xs.getShapes());
            ParameterStore ps = new ParameterStore(m, false);
            List<String> outs = List.of("logits", "valence", "alpha_group0", "alpha_group1", "alpha_top");
            assertEquals(model.outputNames().subList(0, outs.size()), outs);

            NDList y = model.forward(ps, xs, false);
            compareOutputs(f, outs, y);
            Parity.assertClose(name, "forward", "s_e", f.get("w__uncertainty_s_e"), y.get("s_e"));
            Parity.assertClose(name, "forward", "s_v", f.get("w__uncertainty_s_v"), y.get("s_v"));

            Loss loss = Models.loss(spec);
            for (NDArray x : xs) {
                x.setRequiresGradient(true);
            }
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDList out = model.forward(ps, xs, false);
                NDArray l = loss.evaluate(labels, out);
                gc.backward(l);
                Parity.assertClose(name, "forward", "loss", f.get("l__loss"), l);
                compareGradients(f, model, xs);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Block case: forward in eval mode, then backward of Σ_k Σ y_k·r_k. */
    private static void checkBlock(String name, Block block, List<String> outNames) {
        try (NDManager m = root.newSubManager()) {
            Fixture f = Fixture.load(m, name);
            NDList xs = f.inputs();
            f.loadInto(block, xs.getShapes());
            ParameterStore ps = new ParameterStore(m, false);

            NDList y = block.forward(ps, xs, false);
            assertEquals(outNames.size(), y.size(), name + ": number of outputs");
            compareOutputs(f, outNames, y);

            for (NDArray x : xs) {
                x.setRequiresGradient(true);
            }
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDList out = block.forward(ps, xs, false);
                NDArray l = null;
                for (int i = 0; i < outNames.size(); i++) {
                    NDArray term = out.get(i).mul(f.get("r__" + outNames.get(i))).sum();
                    l = l == null ? term : l.add(term);
                }
                gc.backward(l);
                Parity.assertClose(name, "forward", "L", f.get("l__loss"), l);
                compareGradients(f, block, xs);
            }
        }
    }

    private static void checkLoss(String name, Loss loss) {
        try (NDManager m = root.newSubManager()) {
            Fixture f = Fixture.load(m, name);
            NDList xs = f.inputs();
            List<String> names = new ArrayList<>(List.of("logits", "valence", "s_e", "s_v"));
            for (int i = 0; i < xs.size(); i++) {
                xs.get(i).setName(names.get(i));
                xs.get(i).setRequiresGradient(true);
            }
            NDList labels = new NDList(f.get("lab__emo"), f.get("lab__val"));
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray l = loss.evaluate(labels, xs);
                gc.backward(l);
                Parity.assertClose(name, "forward", "loss", f.get("l__loss"), l);
                for (int i = 0; i < xs.size(); i++) {
                    Parity.assertClose(name, "backward", "d/d" + names.get(i), f.get("gx__" + i), xs.get(i).getGradient());
                }
            }
            if (f.has("l__ce")) {
                NDArray ce = LossTerms.crossEntropy(xs.get(0), labels.get(0));
                NDArray mse = LossTerms.meanSquaredError(xs.get(1), labels.get(1));
                Parity.assertClose(name, "forward", "ce", f.get("l__ce"), ce);
                Parity.assertClose(name, "forward", "mse", f.get("l__mse"), mse);
            }
        }
    }

    private static void compareOutputs(Fixture f, List<String> outNames, NDList y) {
        for (int i = 0; i < outNames.size(); i++) {
            String out = outNames.get(i);
            if (!out.equals("y")) {
                assertEquals(out, y.get(i).getName(), f.name() + ": name of output " + i);
            }
            Parity.assertClose(f.name(), "forward", out, f.get("y__" + out), y.get(i));
        }
    }

    private static void compareGradients(Fixture f, Block block, NDList xs) {
        Map<String, Parameter> params = ParameterNames.of(block);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray grad = e.getValue().getArray().getGradient();
            assertNotNull(grad, f.name() + ": no gradient for " + e.getKey());
            Parity.assertClose(f.name(), "backward", "d/d" + e.getKey(), f.get("g__" + e.getKey()), grad);
        }
        for (int i = 0; i < xs.size(); i++) {
            Parity.assertClose(f.name(), "backward", "d/dx" + i, f.get("gx__" + i), xs.get(i).getGradient());
        }
    }
}
