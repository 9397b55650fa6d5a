package org.merlab.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.merlab.data.DataException;
import org.merlab.data.FeatureMatrix;
import org.merlab.data.FeatureName;
import org.merlab.data.LabelSet;
import org.merlab.data.MerDataset;
import org.merlab.data.Split;
import org.merlab.experiment.ExperimentConfig;

/**
 * One experiment's data, put on the training device once: every distinct feature of the config for
 * the train split and each test split, plus the train labels. Folds and batches index these arrays
 * on the device, so no feature crosses the JNI boundary per batch. A feature listed twice (the
 * official HL+MR row feeds [HL, MR, MR]) is held once.
 */
final class DeviceData implements AutoCloseable {
    /** The test splits a run predicts: MER-MULTI and MER-NOISE (MER-SEMI has no valence labels). */
    static final List<Split> TEST_SPLITS = List.of(Split.TEST1, Split.TEST2);

    final NDManager manager;
    final Device device;
    final List<FeatureName> inputs;          // model input order (groups flattened)
    final long[][] groupDims;
    final List<FeatureName> distinct;
    final int[] slotOfInput;                 // input i -> index into distinct
    final LabelSet trainLabels;
    final int[] trainClass;
    final double[] trainValence;
    final NDArray[] train;                   // per distinct feature, N×D
    final NDArray trainClassArray;           // int64 (N)
    final NDArray trainValenceArray;         // float32 (N)
    final Map<Split, LabelSet> testLabels = new LinkedHashMap<>();
    final Map<Split, NDList> testInputs = new LinkedHashMap<>();

    private DeviceData(ExperimentConfig config, MerDataset dataset, Device device) {
        this.device = device;
        this.manager = NDManager.newBaseManager(device);
        boolean ok = false;
        try {
            List<List<FeatureName>> groups = config.featureNames();
            inputs = groups.stream().flatMap(List::stream).toList();
            distinct = new ArrayList<>();
            slotOfInput = new int[inputs.size()];
            for (int i = 0; i < inputs.size(); i++) {
                int slot = indexOf(distinct, inputs.get(i));
                if (slot < 0) {
                    distinct.add(inputs.get(i));
                    slot = distinct.size() - 1;
                }
                slotOfInput[i] = slot;
            }
            trainLabels = dataset.labels(Split.TRAIN);
            if (!trainLabels.hasValence()) {
                throw new DataException(dataset.root(), "some train samples have no valence label", "give every train sample a valence");
            }
            trainClass = trainLabels.classes();
            trainValence = trainLabels.valences();
            train = new NDArray[distinct.size()];
            int[] dims = new int[distinct.size()];
            for (int k = 0; k < distinct.size(); k++) {
                FeatureMatrix m = dataset.features(distinct.get(k), Split.TRAIN);
                dims[k] = m.dim();
                train[k] = toDevice(m);
            }
            groupDims = new long[groups.size()][];
            int i = 0;
            for (int g = 0; g < groups.size(); g++) {
                groupDims[g] = new long[groups.get(g).size()];
                for (int j = 0; j < groupDims[g].length; j++) groupDims[g][j] = dims[slotOfInput[i++]];
            }
            long[] classes = new long[trainClass.length];
            float[] valence = new float[trainClass.length];
            for (int r = 0; r < classes.length; r++) {
                classes[r] = trainClass[r];
                valence[r] = (float) trainValence[r];
            }
            trainClassArray = manager.create(classes);
            trainValenceArray = manager.create(valence);
            for (Split s : TEST_SPLITS) {
                if (!dataset.hasSplit(s)) continue;
                testLabels.put(s, dataset.labels(s));
                NDArray[] arrays = new NDArray[distinct.size()];
                for (int k = 0; k < distinct.size(); k++) {
                    FeatureMatrix m = dataset.features(distinct.get(k), s);
                    if (m.dim() != dims[k]) {
                        throw new DataException(dataset.featureDirectory(distinct.get(k).directory()),
                                s.id() + " features have width " + m.dim() + " but train ones " + dims[k], "regenerate the features");
                    }
                    arrays[k] = toDevice(m);
                }
                testInputs.put(s, modelInputs(arrays));
            }
            ok = true;
        } finally {
            if (!ok) manager.close();
        }
    }

    static DeviceData load(ExperimentConfig config, MerDataset dataset, Device device) {
        return new DeviceData(config, dataset, device);
    }

    private NDArray toDevice(FeatureMatrix m) {
        return manager.create(m.data(), new Shape(m.rows(), m.dim()));
    }

    private static int indexOf(List<FeatureName> list, FeatureName f) {
        for (int i = 0; i < list.size(); i++) if (list.get(i).directory().equals(f.directory())) return i;
        return -1;
    }

    /** Per-distinct-feature arrays → the model's input list (a repeated feature repeats its array). */
    NDList modelInputs(NDArray[] perDistinct) {
        NDList out = new NDList(slotOfInput.length);
        for (int slot : slotOfInput) out.add(perDistinct[slot]);
        return out;
    }

    /**
     * The train rows {@code rows} (in that order) of every distinct feature and of the labels,
     * gathered on the device and attached to {@code into}: {@code [feature_0..feature_k-1, class, valence]}.
     */
    NDArray[] gatherTrain(long[] rows, NDManager into) {
        NDArray idx = into.create(rows);
        NDArray[] out = new NDArray[distinct.size() + 2];
        for (int k = 0; k < distinct.size(); k++) out[k] = attach(train[k].get(idx), into);
        out[distinct.size()] = attach(trainClassArray.get(idx), into);
        out[distinct.size() + 1] = attach(trainValenceArray.get(idx), into);
        return out;
    }

    private static NDArray attach(NDArray a, NDManager into) {
        a.attach(into);
        return a;
    }

    int numDistinct() {
        return distinct.size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
