package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * K independent models of one architecture ({@link ModelSpec}) held as stacked parameters with a
 * leading model axis, and a functional forward that computes all K at once with batched matrix
 * products. The math mirrors {@link MerModel} and its blocks line by line (read their {@code
 * forwardInternal}); a Linear weight is kept transposed as (K, in, out), its bias as (K, 1, out).
 *
 * <p>Model k is a copy of a sequentially built {@link MerModel} ({@link #of}): build each block
 * with the seed the sequential engine would use and the K models start from exactly the weights
 * the sequential engine would train. Inputs are (K, B, D) (each model its own rows) or (N, D)
 * (every model the same rows, e.g. a test split: broadcast, not copied). Outputs are (K, B, ·).
 *
 * <p>Dropout: the caller hands one (K, B, {@link #dropoutWidth()}) array of uniforms per step, cut
 * into the per-layer masks in layer order, so every model draws its own masks from its own stream
 * (null: no dropout, i.e. evaluation). Tooling only; nothing here is the paper's.
 */
public final class StackedModel implements AutoCloseable {

    private final ModelSpec spec;
    private int k;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final List<String> noDecay = new ArrayList<>();
    private final List<String> attentionNames;
    private final int dropoutWidth;
    /** Parameter groups laid end to end ({@link #flatten}), and their buffers; empty: each parameter its own array. */
    private final List<List<String>> flatGroups = new ArrayList<>();
    private final List<NDArray> flats = new ArrayList<>();

    private StackedModel(ModelSpec spec, List<MerModel> models, NDManager manager) {
        this.spec = spec;
        this.k = models.size();
        this.manager = manager;
        List<Map<String, Parameter>> maps = new ArrayList<>();
        for (MerModel m : models) maps.add(ParameterNames.of(m));
        for (String name : maps.get(0).keySet()) {
            NDList slots = new NDList(k);
            for (Map<String, Parameter> m : maps) {
                NDArray a = m.get(name).getArray();
                if (a.getShape().dimension() == 2) {
                    a = a.transpose(); // Linear weight (out, in) -> (in, out)
                } else {
                    a = a.reshape(1, a.getShape().size()); // bias (out) -> (1, out); mu, s -> (1, n)
                }
                slots.add(a);
            }
            NDArray stacked = NDArrays.stack(slots, 0);
            stacked.attach(manager);
            stacked.setRequiresGradient(true);
            params.put(name, stacked);
            if (name.startsWith("uncertainty_")) noDecay.add(name);
        }
        this.attentionNames = models.get(0).structure().attentionNames();
        this.dropoutWidth = countDropout();
    }

    /** A copy of {@code from}'s parameters in {@code manager}, without gradients. */
    private StackedModel(StackedModel from, NDManager manager) {
        this.spec = from.spec;
        this.k = from.k;
        this.manager = manager;
        for (Map.Entry<String, NDArray> e : from.params.entrySet()) {
            NDArray copy = e.getValue().duplicate();
            NDScope.unregister(copy);
            copy.attach(manager);
            params.put(e.getKey(), copy);
        }
        noDecay.addAll(from.noDecay);
        this.attentionNames = from.attentionNames;
        this.dropoutWidth = from.dropoutWidth;
    }

    /**
     * A copy of the stack's weights (no gradients, no optimizer): where the trainer keeps every model's weights of
     * its best epoch ({@link #copyModelsFrom}), to evaluate the test sets once, when the model is done, instead of at
     * every epoch in which some model of the stack improved.
     */
    public StackedModel copy(NDManager into) {
        return new StackedModel(this, into);
    }

    /**
     * Models {@code take[i]} of this stack get {@code from}'s weights of model i (same K, same spec), bit for bit; the
     * others keep theirs. One {@code where} per parameter.
     */
    public void copyModelsFrom(StackedModel from, boolean[] take) {
        if (!flats.isEmpty()) throw new IllegalStateException("copyModelsFrom would detach the parameters from their flat buffers");
        if (take.length != k || from.k != k) throw new IllegalArgumentException("stacks of " + k + " and " + from.k + ", mask of " + take.length);
        try (NDManager tmp = manager.newSubManager()) {
            NDArray mask = tmp.create(take).reshape(k, 1, 1);
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray old = e.getValue();
                NDArray next = NDArrays.where(mask.broadcast(old.getShape()), from.params.get(e.getKey()), old);
                NDScope.unregister(next);
                next.attach(manager);
                e.setValue(next);
                old.close();
            }
        }
    }

    /**
     * Puts {@code values} (same names and shapes) in place of the parameters, as they were saved from a stack of the
     * same models (a training checkpoint); a parameter that recorded gradients goes on doing so. Before {@link #flatten}.
     */
    public void load(Map<String, NDArray> values) {
        if (!flats.isEmpty()) throw new IllegalStateException("load before flatten");
        if (!values.keySet().equals(params.keySet())) throw new IllegalArgumentException("parameters " + values.keySet() + ", expected " + params.keySet());
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray old = e.getValue();
            NDArray next = values.get(e.getKey());
            if (!next.getShape().equals(old.getShape())) {
                throw new IllegalArgumentException(e.getKey() + ": shape " + next.getShape() + ", expected " + old.getShape());
            }
            next.attach(manager);
            if (old.hasGradient()) next.setRequiresGradient(true);
            e.setValue(next);
            old.close();
        }
    }

    /** Stacks the parameters of K built and initialised models of {@code spec} (copied into {@code manager}). */
    public static StackedModel of(ModelSpec spec, List<MerModel> models, NDManager manager) {
        if (models.isEmpty()) throw new IllegalArgumentException("no models");
        return new StackedModel(spec, models, manager);
    }

    public int size() {
        return k;
    }

    /**
     * Rebuilds the stack over models {@code keep} (indices into this stack, in the order given) followed by the
     * models of {@code added} (null: none): every parameter gathered along the model axis. Weights are copied
     * bit for bit, so a kept model goes on exactly as it would have in the old stack; call it between optimizer
     * steps (no gradients, as after a step). This is how a stopped model stops costing.
     */
    public void retain(int[] keep, StackedModel added) {
        int n = keep.length + (added == null ? 0 : added.k);
        if (n == 0) throw new IllegalArgumentException("no models left");
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray old = e.getValue();
            NDArray next = gatherModels(old, keep, added == null ? null : added.params.get(e.getKey()), manager);
            next.setRequiresGradient(true);
            e.setValue(next);
            old.close();
        }
        k = n;
        if (!flats.isEmpty()) joinFlats();
    }

    /**
     * Lays each group of parameters end to end in one buffer and makes every parameter a view of its part
     * ({@link FlatArrays}), so that one elementwise call on {@link #flat} updates the whole group; it stays so through
     * {@link #dropGradients} and {@link #retain}. For the optimizer on a GPU, where each call is a kernel launch.
     */
    public void flatten(List<List<String>> groups) {
        if (!flats.isEmpty()) throw new IllegalStateException("already flat");
        for (List<String> g : groups) {
            if (!params.keySet().containsAll(g)) throw new IllegalArgumentException("unknown parameters in " + g);
            if (!g.isEmpty()) flatGroups.add(List.copyOf(g));
        }
        joinFlats();
    }

    private void joinFlats() {
        for (NDArray f : flats) f.close(); // the parameters' views keep their memory until they are closed
        flats.clear();
        for (List<String> g : flatGroups) flats.add(FlatArrays.join(params, g, true, manager));
    }

    /** The flat groups' parameter names ({@link #flatten}); empty when not flat. */
    public List<List<String>> flatGroups() {
        return List.copyOf(flatGroups);
    }

    /** Group {@code g}'s buffer: every parameter of the group, end to end ({@link #flatten}). */
    public NDArray flat(int g) {
        return flats.get(g);
    }

    /** Group {@code g}'s gradients end to end, as {@link #flat}: a new array that the caller closes. */
    public NDArray flatGradient(int g) {
        return FlatArrays.gradients(params, flatGroups.get(g));
    }

    /**
     * Drops every parameter's gradient, after an optimizer step: each parameter becomes a fresh leaf over the same
     * memory ({@code detach}, then {@code requires_grad}), so the next backward's gradient becomes the parameter's
     * gradient (libtorch hands the buffer over, or copies it) instead of being added to a zeroed one: no zeroing
     * pass, no read-add-write. PyTorch's {@code zero_grad(set_to_none=True)}, for which DJL has no call. The old
     * arrays are closed; each gradient goes with its last handle.
     */
    public void dropGradients() {
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray old = e.getValue();
            NDArray leaf = old.stopGradient();
            NDScope.unregister(leaf);
            leaf.setRequiresGradient(true);
            e.setValue(leaf);
            old.close();
        }
    }

    /**
     * Rows {@code keep} of {@code stacked} along the model axis, then {@code tail} (null: nothing) concatenated
     * after them: a new array in {@code into}. Used for parameters and for optimizer state alike.
     */
    public static NDArray gatherModels(NDArray stacked, int[] keep, NDArray tail, NDManager into) {
        try (NDManager tmp = into.newSubManager()) {
            NDList parts = new NDList(2);
            if (keep.length > 0) {
                long[] idx = new long[keep.length];
                for (int i = 0; i < keep.length; i++) idx[i] = keep[i];
                NDArray rows = stacked.get(tmp.create(idx));
                rows.attach(tmp);
                parts.add(rows);
            }
            if (tail != null) parts.add(tail);
            NDArray next = parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts, 0);
            NDScope.unregister(next);
            next.attach(into);
            return next;
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The stacked parameters by canonical name (live arrays: the optimizer updates them in place). */
    public Map<String, NDArray> parameters() {
        return params;
    }

    /** Canonical names of the parameters that get no weight decay (s_e, s_v). */
    public List<String> noDecayNames() {
        return List.copyOf(noDecay);
    }

    public List<String> attentionNames() {
        return attentionNames;
    }

    /** Dropout values per sample and model in one forward (the width of the uniforms array). */
    public int dropoutWidth() {
        return dropoutWidth;
    }

    /** Every model's μ (JOINT/MAPPING/GATED), one row per model, or null for the separate decoder. One copy from the device. */
    public float[][] mus() {
        NDArray mu = params.get("decoder_mu");
        if (mu == null) return null;
        int k = size();
        int c = (int) (mu.getShape().size() / k);
        float[] flat = mu.toFloatArray();
        float[][] out = new float[k][c];
        for (int i = 0; i < k; i++) System.arraycopy(flat, i * c, out[i], 0, c);
        return out;
    }

    /**
     * Every model's σ_e = exp(s_e/2) and σ_v, one row {σ_e, σ_v} per model, or null without the uncertainty loss. One
     * copy from the device per array.
     */
    public float[][] sigmas() {
        NDArray se = params.get("uncertainty_s_e");
        if (se == null) return null;
        float[] e = se.toFloatArray();
        float[] v = params.get("uncertainty_s_v").toFloatArray();
        float[][] out = new float[e.length][];
        for (int i = 0; i < e.length; i++) out[i] = new float[] {(float) Math.exp(e[i] / 2.0), (float) Math.exp(v[i] / 2.0)};
        return out;
    }

    /** A forward pass's outputs: logits (K,B,C), unclipped valence (K,B), attention arrays (K,B,n) by name. */
    public record Output(NDArray logits, NDArray valence, Map<String, NDArray> attention) {}

    /**
     * All K models on their inputs (in the spec's input order; each (K,B,D) or shared (N,D)).
     *
     * @param uniforms null (no dropout), or (K, B, {@link #dropoutWidth()}) uniforms in [0, 1)
     */
    public Output forward(NDList inputs, NDArray uniforms) {
        Fwd f = new Fwd(uniforms);
        Map<String, NDArray> att = new LinkedHashMap<>();
        NDArray h = structure(f, inputs, att);
        NDArray logits = f.lin("decoder_emo", h);
        NDArray v;
        switch (spec.decoder()) {
            case SEPARATE:
                v = column(f.lin("decoder_val", h));
                break;
            case MAPPING:
            case JOINT:
            case GATED: {
                NDArray muB = params.get("decoder_mu"); // (K, 1, C)
                NDArray vMap = logits.softmax(2).mul(muB).sum(new int[] {2});
                if (spec.decoder() == ModelSpec.DecoderKind.MAPPING) {
                    v = vMap;
                } else if (spec.decoder() == ModelSpec.DecoderKind.JOINT) {
                    v = vMap.add(column(f.lin("decoder_val", h)));
                } else {
                    NDArray vReg = column(f.lin("decoder_val", h));
                    NDArray g = ai.djl.nn.Activation.sigmoid(column(f.lin("decoder_gate", h)));
                    v = g.mul(vReg).add(DeviceScalars.oneMinus(g).mul(vMap));
                }
                break;
            }
            default:
                throw new IllegalStateException("unknown decoder " + spec.decoder());
        }
        return new Output(logits, v, att);
    }

    /**
     * Per-model losses (K): each model's loss over its own valid rows (batch means as the sequential
     * engine's), or 0 for a model with no valid rows.
     *
     * @param out forward outputs
     * @param classes (K, B) int64 class indices
     * @param valence (K, B) float valences
     * @param mask (K, B) 1 for a valid row, 0 for padding
     * @param count (K) number of valid rows, at least 1 (avoid 0/0)
     */
    public NDArray losses(Output out, NDArray classes, NDArray valence, NDArray mask, NDArray count,
                          float lambdaEmotion, float lambdaValence) {
        NDArray logp = out.logits().logSoftmax(2);
        NDArray oneHot = classes.oneHot((int) out.logits().getShape().get(2)).toType(logp.getDataType(), false);
        NDArray ce = logp.mul(oneHot).sum(new int[] {2}).neg().mul(mask).sum(new int[] {1}).div(count);
        NDArray mse = out.valence().sub(valence).square().mul(mask).sum(new int[] {1}).div(count);
        if (spec.loss() == ModelSpec.LossKind.UNCERTAINTY) {
            NDArray se = params.get("uncertainty_s_e").reshape(k);
            NDArray sv = params.get("uncertainty_s_v").reshape(k);
            NDArray emotion = se.neg().exp().mul(ce).add(DeviceScalars.scaled(se, 0.5f));
            NDArray val = DeviceScalars.scaled(sv.neg().exp().mul(mse), 0.5f).add(DeviceScalars.scaled(sv, 0.5f));
            return emotion.add(val);
        }
        // not mul(float): see DeviceScalars.scaled
        return DeviceScalars.scaled(ce, lambdaEmotion).add(DeviceScalars.scaled(mse, lambdaValence));
    }

    // ---- the structures, mirroring the blocks -------------------------------------------------

    private NDArray structure(Fwd f, NDList in, Map<String, NDArray> att) {
        long[][] groups = spec.groups();
        switch (spec.structure()) {
            case UNIMODAL:
                return f.encoder("structure_enc", in.get(0), 2);
            case OFFICIAL_ATTENTION: {
                int m = in.size();
                NDList hs = new NDList(m);
                for (int i = 0; i < m; i++) hs.add(f.encoder("structure_enc" + i, in.get(i), 2));
                NDArray a = f.encoder("structure_att_mlp", NDArrays.concat(hs, 2), 2);
                NDArray w = f.lin("structure_fc_att", a); // (K, B, m)
                if (spec.softmaxWeights()) w = w.softmax(2);
                att.put("alpha", w);
                return NDArrays.stack(hs, 2).mul(w.expandDims(3)).sum(new int[] {2});
            }
            case FLAT: {
                NDArray[] r = f.afg("structure_afg", raw(in.size()), in);
                att.put("alpha", r[1]);
                return r[0];
            }
            case HIERARCHICAL: {
                NDList gathered = new NDList(groups.length);
                int off = 0;
                for (int j = 0; j < groups.length; j++) {
                    NDList part = new NDList(in.subList(off, off + groups[j].length));
                    off += groups[j].length;
                    NDArray[] r = f.afg("structure_group" + j, raw(groups[j].length), part);
                    gathered.add(r[0]);
                    att.put("alpha_group" + j, r[1]);
                }
                NDArray[] top = f.afg("structure_top", gatheredKinds(groups.length), gathered);
                att.put("alpha_top", top[1]);
                return top[0];
            }
            case CROSS: {
                int nl = groups[0].length;
                int no = groups[1].length;
                NDArray[] other = f.afg("structure_other", raw(no), new NDList(in.subList(nl, nl + no)));
                att.put("alpha_other", other[1]);
                NDList cs = new NDList(nl);
                List<NDArray> crossAlphas = new ArrayList<>();
                for (int l = 0; l < nl; l++) {
                    NDArray[] r = f.afg("structure_cross" + l, new int[] {2, 1}, new NDList(in.get(l), other[0]));
                    cs.add(r[0]);
                    crossAlphas.add(r[1]);
                }
                for (int l = 0; l < nl; l++) att.put("alpha_cross" + l, crossAlphas.get(l));
                NDArray[] top = f.afg("structure_top", gatheredKinds(nl), cs);
                att.put("alpha_top", top[1]);
                return top[0];
            }
            default:
                throw new IllegalStateException("unknown structure " + spec.structure());
        }
    }

    private static int[] raw(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, 2);
        return a;
    }

    private static int[] gatheredKinds(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    /** (K, B, 1) → (K, B). */
    private static NDArray column(NDArray x) {
        return x.reshape(x.getShape().get(0), x.getShape().get(1));
    }

    /** Dropout elements per sample of one forward, in the order the forward consumes them. */
    private int countDropout() {
        int total = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String n = e.getKey();
            if (n.startsWith("structure_") && n.endsWith("_bias") && n.matches(".*_fc\\d+_bias")) {
                total += (int) e.getValue().getShape().get(2);
            }
        }
        return total;
    }

    /** One forward's state: the dropout multipliers and where in them the next layer reads. */
    private final class Fwd {
        /** keep / (1 − p) for the whole (K, B, W) step, made at once: 3 calls, not 3 per dropout layer. */
        final NDArray keep;
        long offset;

        Fwd(NDArray uniforms) {
            float p = spec.dropout();
            // the bound and the scale made on the device (DeviceScalars): DJL's gte(p) and mul(c) copied each from Java
            // memory, two copies a step that made a GPU's step wait for the device
            this.keep = uniforms == null || p == 0f ? null
                    : DeviceScalars.scaled(DeviceScalars.atLeast(uniforms, p).toType(uniforms.getDataType(), false), 1f / (1f - p));
        }

        NDArray lin(String prefix, NDArray x) {
            NDArray w = params.get(prefix + "_weight");
            if (w == null) throw new IllegalStateException("no parameter " + prefix + "_weight");
            NDArray y = x.matMul(w);
            NDArray b = params.get(prefix + "_bias");
            return b == null ? y : y.add(b);
        }

        NDArray encoder(String prefix, NDArray x, int layers) {
            NDArray h = x;
            for (int i = 1; i <= layers; i++) {
                h = ai.djl.nn.Activation.relu(lin(prefix + "_fc" + i, h));
                h = dropout(h);
            }
            return h;
        }

        NDArray dropout(NDArray h) {
            if (keep == null) {
                return h;
            }
            long w = h.getShape().get(2);
            NDArray k = keep.get(":, :, " + offset + ":" + (offset + w));
            offset += w;
            return h.mul(k);
        }

        /** AFG: per-input encoders (2 layers for raw features, 1 for gathered ones), shared U, c, w. Returns [g, alpha]. */
        NDArray[] afg(String prefix, int[] encLayers, NDList in) {
            int n = in.size();
            NDList zs = new NDList(n);
            for (int i = 0; i < n; i++) zs.add(encoder(prefix + "_enc" + i, in.get(i), encLayers[i]));
            NDArray z = NDArrays.stack(zs, 2); // (K, B, n, d)
            long batch = z.getShape().get(1);
            long d = z.getShape().get(3);
            NDArray flat = z.reshape(k, batch * n, d);
            NDArray u = lin(prefix + "_proj", flat).tanh();
            NDArray e = lin(prefix + "_score", u).reshape(k, batch, n);
            NDArray alpha = e.softmax(2);
            NDArray g = z.mul(alpha.expandDims(3)).sum(new int[] {2});
            return new NDArray[] {g, alpha};
        }
    }

    @Override
    public void close() {
        for (NDArray a : params.values()) a.close();
        for (NDArray f : flats) f.close();
    }

    /** The manager the stacked parameters live in. */
    public NDManager manager() {
        return manager;
    }
}
