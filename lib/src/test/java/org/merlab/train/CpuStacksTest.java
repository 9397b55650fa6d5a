package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.merlab.experiment.Profile;

/**
 * A config's models trained as several stacks at once on the CPU ({@link CpuStacks}): every model's numbers are bit
 * for bit those of one stack, dropout and patience on, for a fusion structure and a two-layer sweep, also against one
 * stack on two libtorch threads; progress and folds reach the caller one at a time; a config's fold seconds add up to
 * the call's time, not to a multiple of it; an interrupted split training resumes each stack from its own checkpoint,
 * and a one-stack training resumes what it can of one.
 */
class CpuStacksTest extends TinySimTest {

    /** One run: its folds, the threads that reported them, the most listener calls at once, the seconds, the messages. */
    record Outcome(Map<String, FoldResult> folds, Set<String> threads, int mostAtOnce, double wallSeconds, List<String> messages) {
        double foldSeconds() {
            return folds.values().stream().mapToDouble(f -> f.summary().seconds()).sum();
        }

        BatchedCompactionTest.Run run() {
            return new BatchedCompactionTest.Run(folds, 0, 0);
        }
    }

    private static List<Path> configs() throws IOException {
        return List.of(
                writeConfig("st-s1", "[[\"HL18\", \"HL19\"], [\"RF\", \"MR\"]]", "hierarchical", "gated", "uncertainty", "[0, 1]", 10, 2),
                writeConfig("st-L18", "[[\"HL18\"]]", "unimodal", "separate", "fixed", "[0]", 6, null),
                writeConfig("st-L19", "[[\"HL19\"]]", "unimodal", "separate", "fixed", "[0]", 6, null));
    }

    @Test
    void splitStacksGiveEveryModelTheNumbersOfOneStack() throws IOException {
        List<Path> c = configs();
        Outcome one = run(c, "1", "off", null, 0, "one");
        Outcome two = run(c, "2", "off", null, 0, "two");
        Outcome three = run(c, "3", "off", null, 0, "three");
        assertEquals(10 + 2 * 5, one.folds().size());
        BatchedCompactionTest.assertSameResults(one.run(), two.run());
        BatchedCompactionTest.assertSameResults(one.run(), three.run());
        assertEquals(1, one.threads().size(), "one stack trains on the caller's thread: " + one.threads());
        assertFalse(one.threads().contains("merlab-stack"));
        assertEquals(Set.of("merlab-stack"), two.threads(), "a split training's stacks train on threads of their own");
        for (Outcome o : List.of(one, two, three)) {
            assertEquals(1, o.mostAtOnce(), "the listener is called by one thread at a time");
            // each fold's seconds are its share of the wall time, among its stack's models and the stacks at work
            assertTrue(o.foldSeconds() <= o.wallSeconds(), o.foldSeconds() + " s of folds in a call of " + o.wallSeconds() + " s");
        }
    }

    @Test
    void oneStackOnTwoLibtorchThreadsGivesTheNumbersOfSplitStacksOnOne() throws IOException {
        List<Path> c = configs();
        Outcome split = run(c, "2", "off", null, 0, "split-1t");
        int before = ComputeDevice.threads();
        Outcome twoThreads;
        try {
            ComputeDevice.setThreads(2);
            assertEquals(2, ComputeDevice.threads());
            twoThreads = run(c, "1", "off", null, 0, "one-2t");
        } finally {
            ComputeDevice.setThreads(before);
        }
        BatchedCompactionTest.assertSameResults(twoThreads.run(), split.run());
    }

    @Test
    void aSplitTrainingResumesEachStackFromItsOwnCheckpoint() throws IOException {
        List<Path> c = configs();
        Outcome whole = run(c, "1", "off", null, 0, "ck-whole");
        assertThrows(TrainingInterruptedException.class, () -> run(c, "2", "0", "st-s1 0/2", 3, "ck-split"));
        Path results = tmp.resolve("ck-split").resolve("st-s1").resolve("paper");
        assertTrue(Files.isDirectory(results.resolve(StackCheckpoint.DIR)) && Files.isDirectory(results.resolve(StackCheckpoint.DIR + "-2")),
                "each stack saved in its own folder: " + checkpoints(results));
        Outcome resumed = run(c, "2", "0", null, 0, "ck-split");
        assertEquals(2, resumed.messages().stream().filter(m -> m.startsWith("resumed ")).count(), resumed.messages().toString());
        BatchedCompactionTest.assertSameResults(whole.run(), resumed.run());
        assertEquals(List.of(), checkpoints(results), "no checkpoint is left when the training is done");

        // the same interruption, resumed as one stack: the first stack's checkpoint is its, the second's models start over
        assertThrows(TrainingInterruptedException.class, () -> run(c, "2", "0", "st-s1 0/2", 3, "ck-one"));
        // and a stack stopped in its first save left only its half-written folder
        Files.createDirectories(tmp.resolve("ck-one").resolve("st-s1").resolve("paper").resolve(StackCheckpoint.DIR + "-3.next"));
        Outcome asOne = run(c, "1", "0", null, 0, "ck-one");
        assertEquals(1, asOne.messages().stream().filter(m -> m.startsWith("resumed ")).count(), asOne.messages().toString());
        BatchedCompactionTest.assertSameResults(whole.run(), asOne.run());
        assertEquals(List.of(), checkpoints(tmp.resolve("ck-one").resolve("st-s1").resolve("paper")), "the other stacks' are deleted too");
    }

    /**
     * One config run on its own ({@code merlab run}, the benchmark) hands the caller's listener to the stacks as it is:
     * the stacks' progress and the folds they finish reach it one call at a time all the same.
     */
    @Test
    void oneConfigsStacksCallItsListenerOneAtATime() throws IOException {
        Path c = configs().get(0);
        Recorder l = new Recorder(null, 0, 15);
        Outcome o = withProperties(properties("2", "off"), () -> {
            ExperimentRunner.run(c, new ExperimentRunner.Options(tmp.resolve("single"), data, Profile.PAPER, false, l));
            return l.outcome(0);
        });
        assertEquals(10, o.folds().size());
        assertEquals(Set.of("merlab-stack"), o.threads());
        assertEquals(1, o.mostAtOnce(), "the listener is called by one thread at a time");
    }

    private static List<String> checkpoints(Path results) {
        try (Stream<Path> s = Files.list(results)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(StackCheckpoint.DIR)).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static BatchedTrainer.Job job(int source, long seed, int fold) {
        return new BatchedTrainer.Job(seed, fold, new int[0], new int[0], source);
    }

    private static List<String> names(CpuStacks.Part part) {
        return part.jobs().stream().map(j -> j.source() + ":" + j.seed() + "/" + j.fold()).toList();
    }

    @Test
    void jobsSplitIntoEqualRunsAndStayWithTheirCheckpoint() {
        List<BatchedTrainer.Job> jobs = new ArrayList<>();
        for (int source = 0; source < 2; source++) for (int fold = 0; fold < 5; fold++) jobs.add(job(source, 0, fold));
        java.util.function.Function<BatchedTrainer.Job, String> key = j -> j.source() + ":" + j.seed() + "/" + j.fold();

        List<CpuStacks.Part> even = CpuStacks.split(jobs, 2, List.of(), key);
        assertEquals(List.of(0, 1), even.stream().map(CpuStacks.Part::index).toList());
        assertEquals(List.of("0:0/0", "0:0/1", "0:0/2", "0:0/3", "0:0/4"), names(even.get(0)), "a sweep's layers stay together");
        assertEquals(List.of("1:0/0", "1:0/1", "1:0/2", "1:0/3", "1:0/4"), names(even.get(1)));
        assertEquals(List.of(4, 3, 3), CpuStacks.split(jobs, 3, List.of(), key).stream().map(p -> p.jobs().size()).toList());

        // the second stack's checkpoint holds 0:0/0 and 1:0/4: they stay there; the rest fill the first stack, then the second
        List<CpuStacks.Part> held = CpuStacks.split(jobs, 2, List.of(Set.of(), Set.of("0:0/0", "1:0/4", "9:9/9")), key);
        assertEquals(List.of("0:0/1", "0:0/2", "0:0/3", "0:0/4", "1:0/0"), names(held.get(0)));
        assertEquals(List.of("0:0/0", "1:0/4", "1:0/1", "1:0/2", "1:0/3"), names(held.get(1)), "by source, then as they came");

        // a stack keeps two: a part left with one job gives it to the smallest other; an empty part is left out
        List<CpuStacks.Part> three = CpuStacks.split(jobs.subList(0, 5), 3, List.of(), key);
        assertEquals(List.of(3, 2), three.stream().map(p -> p.jobs().size()).toList(), three.toString());
        List<CpuStacks.Part> allHeld = CpuStacks.split(jobs.subList(0, 4), 2, List.of(Set.of("0:0/0", "0:0/1", "0:0/2", "0:0/3")), key);
        assertEquals(1, allHeld.size());
        assertEquals(0, allHeld.get(0).index(), "the part keeps its checkpoint's number");
    }

    @Test
    void howManyStacks() {
        withProperties(Collections.singletonMap(CpuStacks.PROPERTY, null), () -> {
            assertEquals(2, CpuStacks.count(Device.cpu(), 2, 15), "libtorch's threads");
            assertEquals(4, CpuStacks.count(Device.cpu(), 4, 125));
            assertEquals(2, CpuStacks.count(Device.cpu(), 4, 5), "at least two models each");
            assertEquals(1, CpuStacks.count(Device.cpu(), 2, 3));
            assertEquals(1, CpuStacks.count(Device.cpu(), 1, 15));
            assertEquals(1, CpuStacks.count(Device.gpu(), 4, 125), "a GPU trains one stack");
            assertEquals("up to 2 at once, 1 libtorch thread each", CpuStacks.describe(Device.cpu(), 2));
            return null;
        });
        withProperties(Map.of(CpuStacks.PROPERTY, " 3 "), () -> {
            assertEquals(3, CpuStacks.count(Device.cpu(), 1, 15));
            return null;
        });
        withProperties(Map.of(CpuStacks.PROPERTY, "1"), () -> {
            assertEquals(1, CpuStacks.count(Device.cpu(), 4, 125));
            assertEquals("1", CpuStacks.describe(Device.cpu(), 4));
            return null;
        });
        withProperties(Map.of(CpuStacks.PROPERTY, "two"), () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuStacks.count(Device.cpu(), 2, 15));
            assertEquals("-Dmerlab.cpu.stacks=two: expected a whole number ≥ 1 (1: one stack)", e.getMessage());
            return null;
        });
    }

    /**
     * What a run reports: its folds, the threads that reported them, the most calls inside the listener at once, and
     * its messages. It interrupts the thread that reports epoch {@code stopAt} of fold {@code which} ("experiment
     * seed/fold"), and stays {@code pauseMillis} in each call, so that calls from two threads would meet.
     */
    private static final class Recorder implements RunListener {
        final Map<String, FoldResult> folds = new ConcurrentHashMap<>();
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final List<String> messages = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger inside = new AtomicInteger();
        private final AtomicInteger most = new AtomicInteger();
        private final String which;
        private final int stopAt;
        private final long pauseMillis;

        Recorder(String which, int stopAt, long pauseMillis) {
            this.which = which;
            this.stopAt = stopAt;
            this.pauseMillis = pauseMillis;
        }

        private void enter() {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            if (pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void onEpoch(String experiment, long seed, int fold, EpochStats stats) {
            enter();
            if ((experiment + " " + seed + "/" + fold).equals(which) && stats.epoch() == stopAt) Thread.currentThread().interrupt();
            inside.decrementAndGet();
        }

        @Override
        public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
            enter();
            if (!reused) threads.add(Thread.currentThread().getName());
            folds.put(experiment + " " + seed + "/" + fold, r);
            inside.decrementAndGet();
        }

        @Override
        public void onMessage(String message) {
            messages.add(message);
        }

        Outcome outcome(double wall) {
            return new Outcome(new TreeMap<>(folds), threads, most.get(), wall, messages);
        }
    }

    /**
     * One run of the configs into {@code out} with {@code stacks} stacks: checkpoints every {@code minutes}, interrupted
     * (if {@code which} is not null) after epoch {@code stopAt} of that fold ("experiment seed/fold").
     */
    private static Outcome run(List<Path> configFiles, String stacks, String minutes, String which, int stopAt, String out) {
        Recorder l = new Recorder(which, stopAt, 0);
        return withProperties(properties(stacks, minutes), () -> {
            try {
                long t0 = System.nanoTime();
                ExperimentRunner.runSweep(configFiles, new ExperimentRunner.Options(tmp.resolve(out), data, Profile.PAPER, false, l));
                return l.outcome((System.nanoTime() - t0) / 1e9);
            } finally {
                Thread.interrupted();
            }
        });
    }

    private static Map<String, String> properties(String stacks, String minutes) {
        Map<String, String> props = new TreeMap<>();
        props.put(CpuStacks.PROPERTY, stacks);
        props.put(StackCheckpoint.MINUTES_PROPERTY, minutes);
        props.put(BatchedTrainer.ENGINE_PROPERTY, "batched");
        props.put(StackSize.MAX_K_PROPERTY, null);
        return props;
    }
}
