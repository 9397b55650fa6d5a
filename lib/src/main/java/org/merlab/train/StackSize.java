package org.merlab.train;

import ai.djl.Device;
import org.merlab.experiment.ExperimentConfig;

/**
 * How many models one batched stack trains at once (K): every pending model of the run, unless an estimate of the
 * memory each takes says fewer fit in the stack's share of memory, or {@code -Dmerlab.batch.k=N} caps it. The share is
 * half of the GPU's free memory (a quarter of the machine's on the CPU), divided among the configs training at once
 * ({@code --parallel}); {@link CpuStacks} divides a config's K further among its stacks.
 */
final class StackSize {
    /** Maximum number of models trained together. */
    static final String MAX_K_PROPERTY = "merlab.batch.k";

    private StackSize() {}

    /** The K used for {@code pending} models of this config. */
    static int k(ExperimentConfig config, DeviceData data, int pending) {
        String prop = System.getProperty(MAX_K_PROPERTY);
        if (prop != null && !prop.isBlank()) return Math.min(pending, WholeNumberProperty.atLeastOne(MAX_K_PROPERTY, prop, ""));
        long per = bytesPerModel(config, data);
        return (int) Math.max(1, Math.min(pending, budget(data.device) / Math.max(1, per)));
    }

    /** Rough bytes one model takes: its parameters' copies, activations, held-out inputs. */
    static long bytesPerModel(ExperimentConfig config, DeviceData data) {
        ExperimentConfig.Model m = config.model();
        long params = 0;
        long sumD = 0;
        for (long[] g : data.groupDims) for (long d : g) {
            params += d * m.hidden() + (long) m.hidden() * m.d();
            sumD += d;
        }
        params += 8L * m.d() * m.d(); // attention / gathered encoders, roughly
        long batch = config.protocol().batchSize();
        long held = data.trainClass.length / Math.max(2, config.protocol().folds()) + 1;
        long acts = 16L * batch * (sumD + 8L * m.hidden());
        long eval = held * (sumD + 8L * m.hidden());
        long masks = m.dropout() > 0 ? DropoutStreams.bytesPerModel(DropoutStreams.stepsPerDraw(data.device), (int) batch, 8 * m.hidden()) : 0;
        // params: weights, best weights, gradient, two moments; the flat update (GPU) also holds the gradients end to
        // end and libtorch's copy of them
        long copies = StackedAdam.implementation(data.device).equals(StackedAdam.FLAT) ? 7 : 5;
        return 4L * (copies * params + acts + eval) + masks;
    }

    /** The memory one stack may plan for: a share of the device's, divided among configs training at once. */
    private static long budget(Device device) {
        return deviceBudget(device) / TrainingSchedule.trainingAtOnce();
    }

    private static long deviceBudget(Device device) {
        if (device.isGpu()) {
            try {
                java.lang.management.MemoryUsage u = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
                return (u.getMax() - u.getUsed()) / 2;
            } catch (RuntimeException | LinkageError e) {
                return 4L << 30;
            }
        }
        try {
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            return os.getTotalMemorySize() / 4;
        } catch (RuntimeException | LinkageError e) {
            return 2L << 30;
        }
    }
}
