package org.merlab.train;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.merlab.data.MerDataset;
import org.merlab.experiment.DatasetLocator;

/** Datasets opened during one call, shared by fusion members (and by configs training at once: thread-safe), and its device. */
final class RunContext {
    private final Map<Path, MerDataset> datasets = new HashMap<>();
    private Device device;

    synchronized MerDataset open(Path root, RunListener l) {
        Path key = root.toAbsolutePath().normalize();
        return datasets.computeIfAbsent(key, k -> {
            if (k.equals(DatasetLocator.defaultSimRoot()) && !DatasetLocator.isSynthetic(k)) {
                l.onMessage("generating the default MER-SIM in " + k + " (first use)");
            }
            return DatasetLocator.open(k, i -> {});
        });
    }

    synchronized Device device() {
        if (device == null) device = ComputeDevice.device();
        return device;
    }
}
