package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.merlab.experiment.Profile;

/**
 * An interrupted batched training resumes from its last checkpoint ({@link StackCheckpoint}) with the numbers of an
 * uninterrupted one, bit for bit: every fold's best epoch, curves, held-out and test predictions, attention and μ. The
 * hard cases are there: dropout on, patience stopping models at different epochs (compaction, a stopped passenger),
 * K capped below the number of models (jobs waiting and joining mid-run), and a two-layer sweep. No epoch is trained
 * twice: the interrupted and the resumed run together compute the model-steps of the uninterrupted one.
 */
class StackCheckpointTest extends TinySimTest {

    record Outcome(Map<String, FoldResult> folds, long modelSteps, List<String> messages) {}

    @Test
    void foldsAndSeedsWithPatienceAndACappedStackResumeBitForBit() throws IOException {
        List<Path> c = List.of(write("ck-s1", "[[\"HL18\", \"HL19\"], [\"RF\", \"MR\"]]", "hierarchical", "gated", "uncertainty", "[0, 1]"));
        for (int stopAt : new int[] {2, 5, 8}) {
            assertResumes(c, "3", "ck-s1 1/3", stopAt, "k3-" + stopAt);
        }
        assertResumes(c, null, "ck-s1 0/0", 4, "all-4");
    }

    /** A GPU's settings on the CPU: parameters and moments laid end to end (flat update), dropout drawn by libtorch 16 steps at once. */
    @Test
    void theGpuLayoutResumesBitForBit() throws IOException {
        List<Path> c = List.of(write("ck-gpu", "[[\"HL18\", \"HL19\"], [\"RF\", \"MR\"]]", "cross", "joint", "uncertainty", "[0]"));
        Map<String, String> gpu = Map.of(StackedAdam.KERNEL_PROPERTY, StackedAdam.FLAT, DropoutStreams.CHUNK_PROPERTY, "16",
                DropoutStreams.DRAWS_PROPERTY, DropoutStreams.LIBTORCH);
        withProperties(gpu, () -> {
            assertResumes(c, "2", "ck-gpu 0/4", 3, "gpu");
            return null;
        });
    }

    @Test
    void aLayerSweepResumesBitForBit() throws IOException {
        List<Path> sweep = List.of(
                write("ck-L18", "[[\"HL18\"]]", "unimodal", "separate", "fixed", "[0]"),
                write("ck-L19", "[[\"HL19\"]]", "unimodal", "separate", "fixed", "[0]"));
        assertResumes(sweep, null, "ck-L19 0/2", 3, "sweep");
    }

    /**
     * The checkpoint is older than some finished folds (their models stopped after the save, before the interruption):
     * those are kept as they are on disk, and the others resume from the checkpoint with the uninterrupted numbers.
     */
    @Test
    void foldsFinishedAfterTheSaveAreKeptAndTheOthersResume() throws IOException {
        List<Path> c = List.of(write("ck-late", "[[\"HL18\", \"HL19\"], [\"RF\", \"MR\"]]", "flat", "joint", "fixed", "[0, 1]"));
        Outcome whole = run(c, null, "off", null, 0, "late-whole");
        assertThrows(TrainingInterruptedException.class, () -> run(c, null, "0", "ck-late 0/0", 2, "late"));
        Path results = tmp.resolve("late").resolve("ck-late").resolve("paper");
        Path saved = tmp.resolve("late-saved");
        copyTree(results.resolve(StackCheckpoint.DIR), saved);
        run(c, null, "off", null, 0, "late"); // resumes and finishes every fold (its checkpoint is then deleted)
        // back to the state after epoch 2, with every fold but seed 1's written since
        copyTree(saved, results.resolve(StackCheckpoint.DIR));
        for (int fold = 0; fold < 5; fold++) {
            Files.delete(results.resolve("seed-1").resolve("fold-" + fold + ".json"));
        }
        Outcome resumed = run(c, null, "0", null, 0, "late");
        assertTrue(resumed.messages().stream().anyMatch(m -> m.startsWith("resumed 10 models")), resumed.messages().toString());
        BatchedCompactionTest.assertSameResults(new BatchedCompactionTest.Run(whole.folds(), 0, 0),
                new BatchedCompactionTest.Run(resumed.folds(), 0, 0));
        // only seed 1's models trained on (from epoch 3), with at most one stopped passenger along
        long needed = 0;
        long longest = 0;
        for (FoldResult f : whole.folds().values()) {
            long batches = (f.summary().trainSamples() + 31) / 32;
            if (f.summary().seed() == 1) needed += (f.summary().epochsRun() - 2) * batches;
            longest = Math.max(longest, f.summary().epochsRun() * batches);
        }
        assertTrue(resumed.modelSteps() <= needed + longest, "model-steps " + resumed.modelSteps() + ", needed " + needed);
    }

    /**
     * An interrupt that lands in a fold's last epoch (here from its progress report) stops the training only after the
     * epoch's checkpoint and the finished fold are written: the fold is on disk, the run stops as interrupted, and a
     * resume gives the uninterrupted numbers. The checkpoint used to write through a FileChannel, which closes when its
     * thread is interrupted: the save failed and the fold, reported after it, was lost (the trainer hid the flag during
     * its own saves, but not from an interrupt that came during one).
     */
    @Test
    void anInterruptInAFoldsLastEpochKeepsTheFold() throws IOException {
        List<Path> c = List.of(write("ck-end", "[[\"HL18\", \"HL19\"], [\"RF\", \"MR\"]]", "flat", "joint", "fixed", "[0]"));
        Outcome whole = run(c, null, "off", null, 0, "end-whole");
        for (String minutes : new String[] {"off", "0"}) {
            String out = "end-" + minutes;
            int last = whole.folds().get("ck-end 0/1").summary().epochsRun();
            assertThrows(TrainingInterruptedException.class, () -> run(c, null, minutes, "ck-end 0/1", last, out));
            Path seed = tmp.resolve(out).resolve("ck-end").resolve("paper").resolve("seed-0");
            assertTrue(Files.isRegularFile(seed.resolve("fold-1.json")), minutes + ": the finished fold is kept");
            Outcome resumed = run(c, null, minutes, null, 0, out);
            BatchedCompactionTest.assertSameResults(new BatchedCompactionTest.Run(whole.folds(), 0, 0),
                    new BatchedCompactionTest.Run(resumed.folds(), 0, 0));
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (java.util.stream.Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The same results folder, another optimizer: the state is not this run's. */
    @Test
    void aCheckpointOfOtherSettingsIsNotUsed() throws IOException {
        assertNotResumedWith("ck-other", "uncertainty", StackedAdam.KERNEL_PROPERTY, StackedAdam.LIBTORCH, "another optimizer");
    }

    /** The dropout masks are part of a stack's numbers: a checkpoint of Java's draws is not resumed with libtorch's. */
    @Test
    void aCheckpointOfOtherDropoutDrawsIsNotUsed() throws IOException {
        assertNotResumedWith("ck-draws", "fixed", DropoutStreams.DRAWS_PROPERTY, DropoutStreams.LIBTORCH, "other dropout draws (java)");
    }

    /**
     * A training of config {@code name} interrupted after its first epochs leaves a checkpoint; run again with
     * {@code property=value}, it says the checkpoint is "not used: {@code why}", trains all 5 folds afresh and leaves
     * no checkpoint.
     */
    private static void assertNotResumedWith(String name, String loss, String property, String value, String why) throws IOException {
        List<Path> c = List.of(write(name, "[[\"HL18\", \"HL19\"], [\"RF\", \"MR\"]]", "flat", "joint", loss, "[0]"));
        assertThrows(TrainingInterruptedException.class, () -> run(c, null, "0", name + " 0/1", 3, name));
        Path dir = tmp.resolve(name).resolve(name).resolve("paper").resolve(StackCheckpoint.DIR);
        assertTrue(Files.isRegularFile(dir.resolve("stack.json")), "a checkpoint was written");
        Outcome o = withProperties(Map.of(property, value), () -> run(c, null, "0", null, 0, name));
        assertTrue(o.messages().stream().anyMatch(m -> m.contains("not used: " + why)), o.messages().toString());
        assertEquals(5, o.folds().size());
        assertFalse(Files.exists(dir), "a finished training leaves no checkpoint");
    }

    /** A damaged checkpoint is not used: the training starts over, with the right numbers. One that cannot be written is an error naming it. */
    @Test
    void aDamagedOrUnwritableCheckpointCostsOnlyTime() throws IOException {
        List<Path> c = List.of(write("ck-bad", "[[\"HL18\", \"HL19\"], [\"RF\", \"MR\"]]", "flat", "separate", "fixed", "[0]"));
        Outcome whole = run(c, null, "off", null, 0, "bad-whole");
        assertThrows(TrainingInterruptedException.class, () -> run(c, null, "0", "ck-bad 0/1", 3, "bad"));
        Path dir = tmp.resolve("bad").resolve("ck-bad").resolve("paper").resolve(StackCheckpoint.DIR);
        Path arrays = dir.resolve("stack.bin");
        try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(arrays, java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(f.size() / 2);
        }
        Outcome again = run(c, null, "0", null, 0, "bad");
        assertTrue(again.messages().stream().anyMatch(m -> m.contains("not used: unreadable")), again.messages().toString());
        BatchedCompactionTest.assertSameResults(new BatchedCompactionTest.Run(whole.folds(), 0, 0),
                new BatchedCompactionTest.Run(again.folds(), 0, 0));

        // no place to write (a file where the results folder should be): an error naming the checkpoint, which the
        // trainer reports and trains on without
        Path notAFolder = Files.writeString(tmp.resolve("not-a-folder"), "a file");
        StackCheckpoint.Place place = new StackCheckpoint.Place(notAFolder.resolve(StackCheckpoint.DIR), Map.of());
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                () -> StackCheckpoint.save(place, ai.djl.Device.cpu(), 32, List.of(), List.of(), new int[0], Map.of()));
        assertTrue(e.getMessage().startsWith("cannot write the training checkpoint " + place.dir()), e.getMessage());
    }

    @Test
    void theIntervalIsMinutesOrOff() {
        String before = System.getProperty(StackCheckpoint.MINUTES_PROPERTY);
        try {
            System.clearProperty(StackCheckpoint.MINUTES_PROPERTY);
            assertEquals(StackCheckpoint.DEFAULT_MINUTES, StackCheckpoint.minutes());
            System.setProperty(StackCheckpoint.MINUTES_PROPERTY, "0.5");
            assertEquals(0.5, StackCheckpoint.minutes());
            System.setProperty(StackCheckpoint.MINUTES_PROPERTY, "off");
            assertTrue(StackCheckpoint.minutes() < 0);
            System.setProperty(StackCheckpoint.MINUTES_PROPERTY, "-1");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, StackCheckpoint::minutes);
            assertTrue(e.getMessage().startsWith("-Dmerlab.checkpoint.minutes=-1:"), e.getMessage());
        } finally {
            if (before == null) System.clearProperty(StackCheckpoint.MINUTES_PROPERTY);
            else System.setProperty(StackCheckpoint.MINUTES_PROPERTY, before);
        }
    }

    /**
     * Trains the configs uninterrupted (no checkpoints), then again in a fresh folder, saving after every epoch and
     * interrupted after epoch {@code stopAt} of fold {@code which}, then resumed: the same numbers, and together the
     * same model-steps.
     */
    private static void assertResumes(List<Path> c, String maxK, String which, int stopAt, String name) {
        Outcome whole = run(c, maxK, "off", null, 0, name + "-whole");
        long[] stepsBefore = {BatchedTrainer.modelSteps()};
        TrainingInterruptedException stop = assertThrows(TrainingInterruptedException.class,
                () -> run(c, maxK, "0", which, stopAt, name + "-cut"));
        long interrupted = BatchedTrainer.modelSteps() - stepsBefore[0];
        Outcome resumed = run(c, maxK, "0", null, 0, name + "-cut");
        assertTrue(resumed.messages().stream().anyMatch(m -> m.startsWith("resumed ")), name + ": " + resumed.messages() + " (" + stop.getMessage() + ")");
        BatchedCompactionTest.assertSameResults(new BatchedCompactionTest.Run(whole.folds(), 0, 0),
                new BatchedCompactionTest.Run(resumed.folds(), 0, 0));
        assertEquals(whole.modelSteps(), interrupted + resumed.modelSteps(), name + ": model-steps, interrupted + resumed");
        for (Path config : c) {
            String experiment = config.getFileName().toString().replace(".json", "");
            assertFalse(Files.exists(tmp.resolve(name + "-cut").resolve(experiment).resolve("paper").resolve(StackCheckpoint.DIR)),
                    name + ": the checkpoint is gone when the training is done");
        }
    }

    /**
     * One run into {@code out}: checkpoints every {@code minutes}, interrupted (if {@code which} is not null) after
     * epoch {@code stopAt} of that fold ("experiment seed/fold"); every fold it ends with, trained or read back.
     */
    private static Outcome run(List<Path> configFiles, String maxK, String minutes, String which, int stopAt, String out) {
        Map<String, String> props = new TreeMap<>();
        props.put(StackSize.MAX_K_PROPERTY, maxK);
        props.put(StackCheckpoint.MINUTES_PROPERTY, minutes);
        props.put(BatchedTrainer.ENGINE_PROPERTY, "batched");
        Map<String, FoldResult> folds = new ConcurrentHashMap<>();
        List<String> messages = new ArrayList<>();
        RunListener l = new RunListener() {
            @Override
            public void onEpoch(String experiment, long seed, int fold, EpochStats stats) {
                if ((experiment + " " + seed + "/" + fold).equals(which) && stats.epoch() == stopAt) Thread.currentThread().interrupt();
            }

            @Override
            public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                folds.put(experiment + " " + seed + "/" + fold, r);
            }

            @Override
            public void onMessage(String message) {
                messages.add(message);
            }
        };
        return withProperties(props, () -> {
            try {
                long steps0 = BatchedTrainer.modelSteps();
                ExperimentRunner.runSweep(configFiles, new ExperimentRunner.Options(tmp.resolve(out), data, Profile.PAPER, false, l));
                return new Outcome(new TreeMap<>(folds), BatchedTrainer.modelSteps() - steps0, messages);
            } finally {
                Thread.interrupted();
            }
        });
    }

    private static Path write(String name, String features, String structure, String decoder, String loss, String seeds)
            throws IOException {
        return writeConfig(name, features, structure, decoder, loss, seeds, 10, 2);
    }
}
