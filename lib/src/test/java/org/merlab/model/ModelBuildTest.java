package org.merlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.merlab.model.ModelSpec.DecoderKind;
import org.merlab.model.ModelSpec.LossKind;
import org.merlab.model.ModelSpec.Structure;

/** Every structure × decoder × loss at the paper's real sizes: shapes, names, initialisation. */
class ModelBuildTest {

    static final long[][] PAPER_GROUPS = {{1024, 1024, 1024}, {512, 1024}};
    static final float[] MU0 = {0.1f, -2.5f, 2.2f, -2.0f, -1.3f, 0.6f};

    static long[][] groupsFor(Structure s) {
        return s == Structure.UNIMODAL ? new long[][] {{1024}} : PAPER_GROUPS;
    }

    @Test
    void everyCombinationBuildsAndRuns() {
        long batch = 3;
        try (NDManager m = NDManager.newBaseManager()) {
            for (Structure s : Structure.values()) {
                for (DecoderKind dk : DecoderKind.values()) {
                    for (LossKind lk : LossKind.values()) {
                        try (NDManager sub = m.newSubManager()) {
                            ModelSpec spec = ModelSpec.paper(s, groupsFor(s), MU0).withDecoder(dk).withLoss(lk);
                            MerModel model = Models.build(spec);
                            Shape[] in = model.inputShapes(batch);
                            model.initialize(sub, DataType.FLOAT32, in);
                            NDList xs = new NDList();
                            for (Shape sh : in) {
                                xs.add(sub.randomNormal(sh));
                            }
                            for (boolean training : new boolean[] {false, true}) {
                                NDList y = model.forward(new ParameterStore(sub, false), xs, training);
                                Shape[] expected = model.getOutputShapes(in);
                                assertEquals(expected.length, y.size(), spec.toString());
                                List<String> names = model.outputNames();
                                for (int i = 0; i < y.size(); i++) {
                                    assertEquals(expected[i], y.get(i).getShape(), spec + " output " + i);
                                    assertEquals(names.get(i), y.get(i).getName(), spec + " output " + i);
                                    assertTrue(y.get(i).isInfinite().logicalOr(y.get(i).isNaN()).none().getBoolean(),
                                            spec + " output " + names.get(i) + " not finite");
                                }
                                assertEquals(new Shape(batch, 6), MerModel.logits(y).getShape());
                                assertEquals(new Shape(batch), MerModel.valence(y).getShape());
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void afgWeightsSumToOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            MerModel model = Models.build(ModelSpec.paper(Structure.CROSS, PAPER_GROUPS, MU0));
            model.initialize(m, DataType.FLOAT32, model.inputShapes(5));
            NDList xs = new NDList();
            for (Shape sh : model.inputShapes(5)) {
                xs.add(m.randomNormal(sh));
            }
            NDList y = model.forward(new ParameterStore(m, false), xs, false);
            for (String name : model.structure().attentionNames()) {
                NDArray sums = y.get(name).sum(new int[] {1});
                assertTrue(sums.sub(1f).abs().lt(1e-5f).all().getBoolean(), name);
            }
        }
    }

    /** Every Linear starts as PyTorch's nn.Linear: weight and bias in ±1/√fan_in (not DJL's Xavier). */
    @Test
    void linearsUseTorchDefaultInit() {
        try (NDManager m = NDManager.newBaseManager()) {
            MerModel model = Models.buildInitialized(ModelSpec.paper(Structure.HIERARCHICAL, PAPER_GROUPS, MU0), m);
            Map<String, Parameter> params = ParameterNames.of(model);
            int linears = 0;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                if (!e.getKey().endsWith("_weight")) {
                    continue;
                }
                linears++;
                NDArray w = e.getValue().getArray();
                double bound = 1.0 / Math.sqrt(w.getShape().get(1));
                assertTrue(w.abs().max().getFloat() <= bound + 1e-7, e.getKey());
                assertTrue(w.abs().max().getFloat() > 0.5 * bound, e.getKey() + " looks too small");
                String biasName = e.getKey().replaceAll("_weight$", "_bias");
                if (params.containsKey(biasName)) {
                    NDArray b = params.get(biasName).getArray();
                    assertTrue(b.abs().max().getFloat() <= bound + 1e-7, biasName);
                }
            }
            assertEquals(20, linears, "S1 + joint: 8 + 6 + 4 Linear layers in the AFGs, 2 in the decoder");
            assertArrayEquals(MU0, params.get("decoder_mu").getArray().toFloatArray());
            assertEquals(0f, params.get("uncertainty_s_e").getArray().getFloat(0));
            assertEquals(0f, params.get("uncertainty_s_v").getArray().getFloat(0));
        }
    }

    @Test
    void noDecayParametersAreTheLogVariances() {
        MerModel withU = Models.build(ModelSpec.paper(Structure.FLAT, PAPER_GROUPS, MU0));
        assertEquals(2, withU.noDecayParameters().size());
        for (Parameter p : withU.noDecayParameters()) {
            assertTrue(withU.noDecayParameterIds().contains(p.getId()));
            assertTrue(List.of("s_e", "s_v").contains(p.getName()));
        }
        MerModel fixed = Models.build(ModelSpec.official(Structure.OFFICIAL_ATTENTION, PAPER_GROUPS));
        assertTrue(fixed.noDecayParameters().isEmpty());
        assertTrue(fixed.uncertainty() == null);
        assertTrue(Models.loss(ModelSpec.official(Structure.FLAT, PAPER_GROUPS)) instanceof FixedWeightLoss);
        assertTrue(Models.loss(ModelSpec.paper(Structure.FLAT, PAPER_GROUPS, MU0)) instanceof UncertaintyLoss);
    }

    @Test
    void canonicalNames() {
        assertEquals("structure_group0_enc0_fc1_weight",
                ParameterNames.canonical("01structure_01group0_01enc0_01fc1_weight"));
        assertEquals("decoder_mu", ParameterNames.canonical("02decoder_mu"));
        assertEquals("uncertainty_s_e", ParameterNames.canonical("03uncertainty_s_e"));
        assertEquals("cross12_fc1_bias", ParameterNames.canonical("12cross12_01fc1_bias"));
    }

    @Test
    void specValidation() {
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.paper(Structure.FLAT, PAPER_GROUPS, null));
        assertThrows(IllegalArgumentException.class,
                () -> Models.build(ModelSpec.paper(Structure.UNIMODAL, PAPER_GROUPS, MU0)));
        assertThrows(IllegalArgumentException.class,
                () -> Models.build(ModelSpec.paper(Structure.CROSS, new long[][] {{4}, {4}, {4}}, MU0)));
        assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.paper(Structure.FLAT, PAPER_GROUPS, MU0).withDropout(1f));
        ModelSpec a = ModelSpec.paper(Structure.FLAT, PAPER_GROUPS, MU0);
        assertEquals(a, ModelSpec.paper(Structure.FLAT, PAPER_GROUPS, MU0.clone()));
        assertEquals(DecoderKind.JOINT, a.decoder());
        assertEquals(LossKind.UNCERTAINTY, a.loss());
        assertEquals(128, a.d());
        assertEquals(256, a.hidden());
        assertEquals(0.3f, a.dropout());
        assertArrayEquals(new long[] {1024, 1024, 1024, 512, 1024}, a.featureDims());
    }

    @Test
    void wrongInputWidthFailsClearly() {
        try (NDManager m = NDManager.newBaseManager()) {
            MerModel model = Models.buildInitialized(ModelSpec.paper(Structure.FLAT, PAPER_GROUPS, MU0), m);
            NDList xs = new NDList();
            for (Shape sh : model.inputShapes(2)) {
                xs.add(m.zeros(sh));
            }
            xs.set(3, m.zeros(new Shape(2, 7)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(new ParameterStore(m, false), xs, false));
            assertTrue(e.getMessage().contains("input 3"), e.getMessage());
        }
    }

    /** DJL's own parameter (de)serialisation round-trips every block (versions, metadata, order). */
    @Test
    void saveAndLoadParametersRoundTrip() throws Exception {
        ModelSpec spec = ModelSpec.paper(Structure.CROSS, new long[][] {{6, 6}, {5, 4}}, MU0).withD(8).withHidden(12)
                .withDecoder(DecoderKind.GATED);
        try (NDManager m = NDManager.newBaseManager()) {
            MerModel a = Models.buildInitialized(spec, m);
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            a.saveParameters(new java.io.DataOutputStream(bytes));
            MerModel b = Models.build(spec);
            b.loadParameters(m, new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
            NDList xs = new NDList();
            for (Shape sh : a.inputShapes(3)) {
                xs.add(m.randomNormal(sh));
            }
            NDList ya = a.forward(new ParameterStore(m, false), xs, false);
            NDList yb = b.forward(new ParameterStore(m, false), xs, false);
            for (int i = 0; i < ya.size(); i++) {
                assertArrayEquals(ya.get(i).toFloatArray(), yb.get(i).toFloatArray(), a.outputNames().get(i));
            }
        }
    }

    @Test
    void clipValenceOnlyAtPrediction() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray v = m.create(new float[] {-7f, -5f, 0.5f, 5f, 9f});
            assertArrayEquals(new float[] {-5f, -5f, 0.5f, 5f, 5f}, Decoder.clipValence(v).toFloatArray());
        }
    }
}
