package org.merlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Map;
import org.merlab.model.MerModel;
import org.merlab.model.Models;
import org.merlab.model.ModelSpec;
import org.merlab.model.ParameterNames;

/** Figures for {@code merlab bench train}: the machine's matrix-multiply peak and a model's FLOPs. */
public final class TrainingBench {
    private TrainingBench() {}

    /** Seconds the batched engine has spent in optimizer updates in this JVM so far (all stacks together). */
    public static double optimizerSeconds() {
        return BatchedTrainer.optimizerSeconds();
    }

    /** The batched engine's dropout scheme on {@code device} ({@code java}, or libtorch's draws in chunks). */
    public static String dropoutScheme(ai.djl.Device device) {
        return DropoutStreams.scheme(device);
    }

    /** The batched engine's Adam update on {@code device} ("java, vector lanes of 16 floats", "java, scalar tiles", ...). */
    public static String adamScheme(ai.djl.Device device) {
        return StackedAdam.describe(device);
    }

    /** Batched steps the batched engine has computed in this JVM so far (all stacks together). */
    public static long stackSteps() {
        return BatchedTrainer.stackSteps();
    }

    /** How many stacks {@code models} models of one config train as at once ({@link CpuStacks}; 1 on a GPU). */
    public static int stacksAtOnce(ai.djl.Device device, int threads, int models) {
        return CpuStacks.count(device, threads, models);
    }

    /** Best GFLOP/s of an n×n float32 {@code matMul} on the training device (a few repetitions, the best kept). */
    public static double matmulPeakGflops(int n, int reps) {
        ComputeDevice.configure();
        try (NDManager m = NDManager.newBaseManager(ComputeDevice.device())) {
            NDArray a = m.randomUniform(-1f, 1f, new Shape(n, n));
            NDArray b = m.randomUniform(-1f, 1f, new Shape(n, n));
            double best = 0;
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                NDArray c = a.matMul(b);
                c.getFloat(0, 0); // synchronise
                double s = (System.nanoTime() - t0) / 1e9;
                c.close();
                best = Math.max(best, 2.0 * n * n * (double) n / s / 1e9);
            }
            return best;
        }
    }

    /** {@link #macsPerSample(ModelSpec)} of a config's model on a dataset (feature widths read from its train split). */
    public static long macsPerSample(org.merlab.experiment.ExperimentConfig config, java.nio.file.Path root) {
        org.merlab.data.MerDataset ds = org.merlab.experiment.DatasetLocator.open(root, i -> {});
        var groups = config.featureNames();
        long[][] dims = new long[groups.size()][];
        for (int g = 0; g < groups.size(); g++) {
            dims[g] = new long[groups.get(g).size()];
            for (int j = 0; j < dims[g].length; j++) {
                dims[g][j] = ds.features(groups.get(g).get(j), org.merlab.data.Split.TRAIN).dim();
            }
        }
        float[] mu = new float[org.merlab.data.Emotion.COUNT];
        return macsPerSample(FoldTrainer.spec(config, dims, mu));
    }

    /** Multiply-adds per sample of one forward: the sum of the model's Linear weight sizes (biases, attention sums ignored). */
    public static long macsPerSample(ModelSpec spec) {
        ComputeDevice.configure();
        try (NDManager m = NDManager.newBaseManager(ComputeDevice.device())) {
            MerModel model = Models.build(spec);
            model.initialize(m, DataType.FLOAT32, model.inputShapes(1));
            long macs = 0;
            for (Map.Entry<String, Parameter> e : ParameterNames.of(model).entrySet()) {
                if (e.getKey().endsWith("_weight")) macs += e.getValue().getArray().getShape().size();
            }
            return macs;
        }
    }
}
