package org.merlab.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.sim.SimWriter;

/**
 * A batched stack's state at an epoch boundary, on disk, so that an interrupted training resumes there instead of
 * at its first epoch. The batched engine trains a config's folds and seeds (and a sweep's layers) together, and
 * without patience they all finish at the last epoch: without this, an interruption lost the whole stack's epochs.
 *
 * <p>What is kept is everything a stack carries from one epoch to the next: every model's weights, the weights of
 * its best epoch, its Adam moments and step count, and per model its slot (best epoch, score, held-out predictions,
 * curves, whether it still trains). A model's shuffles and dropout masks need nothing: they are functions of its
 * seed, fold and epoch. So the resumed training gives the numbers of an uninterrupted one, bit for bit
 * ({@code StackCheckpointTest}).
 *
 * <p>Files, in the results folder of the call's first config: {@code .checkpoint/stack.json} (this state's
 * description, written last), {@code stack.bin} (the arrays, float32 end to end), {@code slot-N.json/.csv} (each
 * model's slot, as a fold file); stacks trained at once on the CPU ({@link CpuStacks}) save one folder each, the others
 * beside it ({@code .checkpoint-2}, …). A new state is written beside the old one and renamed over it. A checkpoint is
 * used only for the same configs, data, device, optimizer and dropout scheme (else it is deleted and the stack starts
 * over); a fold that finished after the save keeps its file, and the others go on from the checkpoint.
 *
 * <p>How often ({@value #MINUTES_PROPERTY}): after an epoch, once this many minutes of training have passed since
 * the stack started or was last saved (default {@value #DEFAULT_MINUTES}; 0: after every epoch; {@code off}: never).
 */
final class StackCheckpoint {
    static final String MINUTES_PROPERTY = "merlab.checkpoint.minutes";
    static final double DEFAULT_MINUTES = 5;
    static final String DIR = ".checkpoint";
    private static final int VERSION = 2; // 2: the dropout scheme by name (1: libtorch's chunk only)
    private static final String HEADER = "stack.json";
    private static final String ARRAYS = "stack.bin";

    /** Where a call's stack is saved, and the identity (resolved config and dataset) of each of its configs by name. */
    record Place(Path dir, Map<String, String> identities) {
        /**
         * Where stack {@code i} (from 0) of several trained at once ({@link CpuStacks}) is saved: the first in this
         * folder, so that one stack and the first of several share it, the others beside it ({@code .checkpoint-2}, …).
         */
        Place part(int i) {
            return i == 0 ? this : new Place(dir.resolveSibling(dir.getFileName() + "-" + (i + 1)), identities);
        }
    }

    /** One model of the stack: which fold it is, and the slot state a fold file does not hold. */
    record SlotState(
            @JsonProperty("experiment") String experiment,
            @JsonProperty("seed") long seed,
            @JsonProperty("fold") int fold,
            @JsonProperty("train_rows") int[] trainRows,
            @JsonProperty("held_rows") int[] heldRows,
            @JsonProperty("active") boolean active,
            @JsonProperty("reported") boolean reported,
            @JsonProperty("best_combined") String bestCombined) {}

    /** One array of {@code stack.bin}: group (model, best, mean, variance), parameter name, shape. */
    record ArrayRef(@JsonProperty("group") String group, @JsonProperty("name") String name, @JsonProperty("shape") long[] shape) {}

    record Header(
            @JsonProperty("version") int version,
            @JsonProperty("device") String device,
            @JsonProperty("optimizer") String optimizer,
            @JsonProperty("dropout") String dropout,
            @JsonProperty("held_rows_padded") int heldRowsPadded,
            @JsonProperty("identities") Map<String, String> identities,
            @JsonProperty("slots") List<SlotState> slots,
            @JsonProperty("adam_steps") int[] adamSteps,
            @JsonProperty("arrays") List<ArrayRef> arrays) {}

    /** A loaded state: the header, each slot's fold-file part, and the arrays by group and name (on the device). */
    record State(Header header, List<FoldResult> slots, Map<String, Map<String, NDArray>> arrays) {}

    private StackCheckpoint() {}

    /** Minutes between saves, or a negative number for never. */
    static double minutes() {
        String prop = System.getProperty(MINUTES_PROPERTY, "").trim();
        if (prop.isEmpty()) return DEFAULT_MINUTES;
        if (prop.equalsIgnoreCase("off")) return -1;
        try {
            double m = Double.parseDouble(prop);
            if (m >= 0 && Double.isFinite(m)) return m;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + MINUTES_PROPERTY + "=" + prop + ": expected minutes ≥ 0, or off");
    }

    /** The optimizer a state's moments belong to (their numbers depend on it). */
    private static String optimizer(Device device) {
        return StackedAdam.implementation(device);
    }

    /**
     * Writes the state: a fresh folder beside {@code place.dir()}, renamed over it when complete. {@code states} and
     * {@code slots}: per model of the stack, in its order; {@code arrays}: group name → parameter name → array (on
     * {@code device}).
     */
    static void save(Place place, Device device, int heldRowsPadded, List<SlotState> states, List<FoldResult> slots,
                     int[] adamSteps, Map<String, Map<String, NDArray>> arrays) {
        Path dir = place.dir();
        Path next = dir.resolveSibling(dir.getFileName() + ".next");
        try {
            SimWriter.deleteTree(next);
            Files.createDirectories(next);
            List<ArrayRef> refs = new ArrayList<>();
            // a java.io stream, not a FileChannel: a channel closes when its thread is interrupted, and an interrupt
            // that lands during the save (a kernel's, or a sibling stack's failure cancelling this one) would lose it
            try (OutputStream out = new FileOutputStream(next.resolve(ARRAYS).toFile());
                 NDManager tmp = NDManager.newBaseManager(Device.cpu())) {
                byte[] chunk = new byte[1 << 20];
                for (Map.Entry<String, Map<String, NDArray>> g : arrays.entrySet()) {
                    for (Map.Entry<String, NDArray> e : g.getValue().entrySet()) {
                        NDArray a = e.getValue();
                        if (a.getDataType() != DataType.FLOAT32) throw new IllegalStateException(e.getKey() + " is " + a.getDataType());
                        NDArray host = a.getDevice().equals(Device.cpu()) ? a : a.toDevice(Device.cpu(), true);
                        if (host != a) host.attach(tmp);
                        ByteBuffer bytes = host.toByteBuffer(true);
                        while (bytes.hasRemaining()) {
                            int n = Math.min(chunk.length, bytes.remaining());
                            bytes.get(chunk, 0, n);
                            out.write(chunk, 0, n);
                        }
                        refs.add(new ArrayRef(g.getKey(), e.getKey(), a.getShape().getShape()));
                    }
                }
            }
            for (int i = 0; i < slots.size(); i++) {
                FoldResult r = slots.get(i);
                // plain writes: the whole folder is renamed into place when complete
                Files.writeString(next.resolve("slot-" + i + ".csv"), ResultStore.predictionsCsv(r));
                Files.writeString(next.resolve("slot-" + i + ".json"), ExperimentConfigs.JSON.writeValueAsString(r.summary()));
            }
            Header h = new Header(VERSION, device.toString(), optimizer(device),
                    DropoutStreams.scheme(device), heldRowsPadded, place.identities(), states, adamSteps, refs);
            Files.writeString(next.resolve(HEADER), ExperimentConfigs.JSON.writeValueAsString(h));
            Path old = dir.resolveSibling(dir.getFileName() + ".old");
            SimWriter.deleteTree(old);
            if (Files.exists(dir)) Files.move(dir, old);
            Files.move(next, dir, StandardCopyOption.ATOMIC_MOVE);
            SimWriter.deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The saved state, if there is one for these configs and engine settings, with its arrays on {@code device} in
     * {@code into}; empty (and the folder deleted) when there is none or it does not match.
     */
    static Optional<State> load(Place place, Device device, NDManager into, RunListener listener) {
        Path dir = place.dir();
        Path headerFile = dir.resolve(HEADER);
        if (!Files.isRegularFile(headerFile)) return Optional.empty();
        Map<String, Map<String, NDArray>> arrays = new LinkedHashMap<>();
        try {
            Header h = ExperimentConfigs.JSON.readValue(headerFile.toFile(), Header.class);
            String why = h.version() != VERSION ? "another format"
                    : !h.device().equals(device.toString()) ? "trained on " + h.device()
                    : !h.optimizer().equals(optimizer(device)) ? "another optimizer (" + h.optimizer() + ")"
                    : !h.dropout().equals(DropoutStreams.scheme(device)) ? "other dropout draws (" + h.dropout() + ")"
                    : !otherConfigs(h, place).isEmpty() ? "saved by a training of other configs as well (" + otherConfigs(h, place) + ")"
                    : !identitiesMatch(h, place) ? "another config or dataset"
                    : null;
            if (why != null) {
                discard(place, listener, why);
                return Optional.empty();
            }
            List<FoldResult> slots = new ArrayList<>();
            for (int i = 0; i < h.slots().size(); i++) {
                FoldSummary s = ExperimentConfigs.JSON.readValue(dir.resolve("slot-" + i + ".json").toFile(), FoldSummary.class);
                Map<String, SplitPredictions> parts = ResultStore.readPredictions(dir.resolve("slot-" + i + ".csv"));
                SplitPredictions held = parts.remove("train");
                slots.add(new FoldResult(s, held, parts));
            }
            try (FileChannel in = FileChannel.open(dir.resolve(ARRAYS), StandardOpenOption.READ);
                 NDManager tmp = NDManager.newBaseManager(Device.cpu())) {
                for (ArrayRef ref : h.arrays()) {
                    NDArray host = tmp.zeros(new Shape(ref.shape()), DataType.FLOAT32);
                    ByteBuffer bytes = host.toByteBuffer(true); // a view of the new array's memory (as CpuAdamKernel's)
                    while (bytes.hasRemaining()) {
                        if (in.read(bytes) < 0) throw new IOException(ARRAYS + " ends early");
                    }
                    NDArray a = device.equals(Device.cpu()) ? host.duplicate() : host.toDevice(device, true);
                    a.attach(into);
                    arrays.computeIfAbsent(ref.group(), g -> new LinkedHashMap<>()).put(ref.name(), a);
                }
                if (in.position() != in.size()) throw new IOException(ARRAYS + " is longer than its description");
            }
            return Optional.of(new State(h, slots, arrays));
        } catch (java.nio.channels.ClosedByInterruptException e) {
            close(arrays);
            throw new TrainingInterruptedException("training interrupted while reading its checkpoint (kept)");
        } catch (IOException | RuntimeException e) {
            close(arrays);
            discard(place, listener, "unreadable (" + e.getMessage() + ")");
            return Optional.empty();
        }
    }

    /** Closes a state's arrays (one that is not used). */
    static void close(Map<String, Map<String, NDArray>> arrays) {
        arrays.values().forEach(g -> g.values().forEach(NDArray::close));
    }

    /** The configs of the saved stack that this training does not have. */
    private static java.util.Set<String> otherConfigs(Header h, Place place) {
        java.util.Set<String> other = new java.util.TreeSet<>();
        for (SlotState s : h.slots()) if (!place.identities().containsKey(s.experiment())) other.add(s.experiment());
        return other;
    }

    private static boolean identitiesMatch(Header h, Place place) {
        for (SlotState s : h.slots()) {
            String saved = h.identities().get(s.experiment());
            if (saved == null || !saved.equals(place.identities().get(s.experiment()))) return false;
        }
        return true;
    }

    /** Deletes the saved state, saying why (an empty reason: the stack finished). */
    static void discard(Place place, RunListener listener, String why) {
        if (!why.isEmpty() && Files.exists(place.dir())) {
            listener.onMessage("training checkpoint " + place.dir() + " not used: " + why + "; training from the start");
        }
        delete(place.dir());
    }

    /**
     * The models a saved state holds ({@code experiment/seed/fold}), without reading its arrays; empty when there is
     * none or its description cannot be read ({@link #load} then says why).
     */
    static java.util.Set<String> savedModels(Place place) {
        Path headerFile = place.dir().resolve(HEADER);
        java.util.Set<String> models = new java.util.HashSet<>();
        if (!Files.isRegularFile(headerFile)) return models;
        try {
            Header h = ExperimentConfigs.JSON.readValue(headerFile.toFile(), Header.class);
            for (SlotState s : h.slots()) models.add(modelKey(s.experiment(), s.seed(), s.fold()));
        } catch (IOException | RuntimeException e) {
            models.clear();
        }
        return models;
    }

    /** A model's name in {@link #savedModels}. */
    static String modelKey(String experiment, long seed, int fold) {
        return experiment + "/" + seed + "/" + fold;
    }

    /** Deletes a call's checkpoint folder and those of the stacks trained beside its first ({@link Place#part}). */
    static void deleteAll(Path dir) {
        delete(dir);
        deleteParts(dir);
    }

    /**
     * Deletes the folders of the stacks trained beside the first ({@code .checkpoint-2}, …), if any, and their
     * half-written neighbours even where the folder itself was never complete (a stack stopped in its first save).
     */
    static void deleteParts(Path dir) {
        String prefix = dir.getFileName() + "-";
        try (java.util.stream.Stream<Path> siblings = Files.list(dir.getParent())) {
            for (Path p : siblings.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(prefix) && name.substring(prefix.length()).matches("\\d+(\\.next|\\.old)?")) {
                    SimWriter.deleteTree(p);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // no results folder yet: nothing saved
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the training checkpoints beside " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a checkpoint folder and its half-written neighbours, if any. */
    static void delete(Path dir) {
        try {
            SimWriter.deleteTree(dir);
            SimWriter.deleteTree(dir.resolveSibling(dir.getFileName() + ".next"));
            SimWriter.deleteTree(dir.resolveSibling(dir.getFileName() + ".old"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the training checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }
}
