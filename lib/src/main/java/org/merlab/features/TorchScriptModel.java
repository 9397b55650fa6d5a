package org.merlab.features;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.merlab.data.DataException;

/**
 * A TorchScript file run through DJL's PyTorch engine, offline, in inference mode.
 *
 * <p>Loaded with {@code Criteria(NDList → NDList, NoopTranslator, mapLocation=true)}; tuple outputs
 * arrive flattened into one {@link NDList} (ecosystem-notes 5c). {@link #forward} calls the block
 * directly, so the outputs live in the caller's manager and are freed when it closes. The optional
 * sidecar {@code <model>.json} (written by {@code environment/export}) describes the model; options
 * given on the command line override it.
 */
public final class TorchScriptModel implements AutoCloseable {
    /** Property naming the device: {@code cpu} or {@code gpu}; default: a GPU when DJL sees one. */
    public static final String DEVICE_PROPERTY = "merlab.device";

    private final Path file;
    private final ZooModel<NDList, NDList> model;
    private final Device device;
    private final JsonNode sidecar;

    private TorchScriptModel(Path file, ZooModel<NDList, NDList> model, Device device, JsonNode sidecar) {
        this.file = file;
        this.model = model;
        this.device = device;
        this.sidecar = sidecar;
    }

    /** Makes sure DJL stays offline and sets libtorch's thread count (only effective before the engine starts). */
    public static void configureEngine(Integer threads) {
        if (System.getProperty("OPT_OUT_TRACKING") == null) System.setProperty("OPT_OUT_TRACKING", "true");
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
        if (System.getProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        }
        if (threads != null && threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
                System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            }
        }
    }

    /** {@code cpu}, {@code gpu} or {@code auto} (a GPU when DJL sees one, else the CPU; {@code -Dmerlab.device} sets the default). */
    public static Device device(String wanted) {
        String w = (wanted == null || wanted.isBlank() ? System.getProperty(DEVICE_PROPERTY, "auto") : wanted).trim().toLowerCase(Locale.ROOT);
        if (w.equals("cpu")) return Device.cpu();
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (w.equals("gpu") || w.equals("cuda")) {
            if (gpus == 0) {
                throw new IllegalArgumentException("--device gpu, but DJL sees no GPU (build with MERLAB_CUDA=1 for the CUDA natives)");
            }
            return Device.gpu();
        }
        if (!w.equals("auto")) throw new IllegalArgumentException("unknown device '" + wanted + "' (cpu, gpu or auto)");
        return gpus > 0 ? Device.gpu() : Device.cpu();
    }

    /** Loads a TorchScript file on {@code device}; a missing or invalid file is a {@link DataException}. */
    public static TorchScriptModel load(Path file, Device device) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(file, "model file not found", "export it with environment/export (see its README)");
        }
        JsonNode sidecar = readSidecar(file);
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file.toAbsolutePath().getParent())
                .optModelName(file.getFileName().toString())
                .optEngine("PyTorch")
                .optDevice(device)
                .optTranslator(new NoopTranslator())
                .optOption("mapLocation", "true")
                .build();
        try {
            return new TorchScriptModel(file, criteria.loadModel(), device, sidecar);
        } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new DataException(file, "not a loadable TorchScript model (" + msg + ")",
                    "export it with environment/export (torch.jit.trace + save), not torch.save", e);
        }
    }

    private static JsonNode readSidecar(Path model) {
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        Path json = model.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".json");
        if (!Files.isRegularFile(json)) return null;
        try {
            return new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new DataException(json, "unreadable model description (" + e.getMessage() + ")", "fix or delete the .json beside the model", e);
        }
    }

    public Path file() {
        return file;
    }

    public Device device() {
        return device;
    }

    /** A new manager on the model's device; close it to free what {@link #forward} returned. */
    public NDManager newManager() {
        return model.getNDManager().newSubManager(device);
    }

    /** Runs the model (inference mode, no gradients). Outputs belong to the inputs' manager. */
    public NDList forward(NDList inputs) {
        try {
            return model.getBlock().forward(new ParameterStore(inputs.head().getManager(), false), inputs, false);
        } catch (RuntimeException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().limit(3).reduce((a, b) -> a + " " + b).orElse("");
            throw new DataException(file, "the model failed on an input of shape " + inputs.head().getShape() + ": " + msg,
                    "check that this is the right model for the command (see environment/export/README.md)", e);
        }
    }

    /** A boolean from the sidecar, or {@code fallback}. */
    public boolean sidecarBoolean(String key, boolean fallback) {
        return sidecar != null && sidecar.has(key) ? sidecar.get(key).asBoolean(fallback) : fallback;
    }

    /** An int from the sidecar, or {@code fallback}. */
    public int sidecarInt(String key, int fallback) {
        return sidecar != null && sidecar.has(key) ? sidecar.get(key).asInt(fallback) : fallback;
    }

    /** A string from the sidecar, or {@code null}. */
    public String sidecarString(String key) {
        return sidecar != null && sidecar.has(key) ? sidecar.get(key).asText() : null;
    }

    @Override
    public void close() {
        model.close();
    }
}
