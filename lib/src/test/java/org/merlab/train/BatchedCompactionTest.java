package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.merlab.experiment.Profile;

/**
 * Compaction of the batched engine: a model stopped by patience leaves the stack at the next epoch
 * boundary (and a waiting job takes its place), and every model's results are bit for bit those of
 * the engine that keeps stopped models in the stack, masked ({@code merlab.batch.compact=false}):
 * best epoch, epochs run, curves, held-out and test predictions, attention, μ. Tiny MER-SIM as
 * {@link BatchedEngineTest}, dropout on (each model's masks come from its own stream, so they do not
 * depend on the stack either).
 */
class BatchedCompactionTest extends TinySimTest {

    private static Path write(String name, String features, String structure, String decoder, String loss, String seeds)
            throws IOException {
        return writeConfig(name, features, structure, decoder, loss, seeds, 12, 2);
    }

    /** One run's folds by "experiment seed/fold", and the model-steps it computed. */
    record Run(Map<String, FoldResult> folds, long modelSteps, long stackSteps) {}

    private static Run run(List<Path> configFiles, boolean compact, Integer maxK, String out) {
        return run(configFiles, compact, maxK, null, out);
    }

    private static Run run(List<Path> configFiles, boolean compact, Integer maxK, Integer dropoutChunk, String out) {
        return run(configFiles, compact, maxK, dropoutChunk, null, out);
    }

    private static Run run(List<Path> configFiles, boolean compact, Integer maxK, Integer dropoutChunk, String adam, String out) {
        Map<String, String> props = new TreeMap<>();
        props.put(StackedAdam.KERNEL_PROPERTY, adam);
        props.put(DropoutStreams.CHUNK_PROPERTY, dropoutChunk == null ? null : dropoutChunk.toString());
        // chunks are a scheme of libtorch's draws (the GPU's); the CPU's default draws in Java, per step
        props.put(DropoutStreams.DRAWS_PROPERTY, dropoutChunk == null ? null : DropoutStreams.LIBTORCH);
        props.put(BatchedTrainer.COMPACT_PROPERTY, Boolean.toString(compact));
        props.put(StackSize.MAX_K_PROPERTY, maxK == null ? null : maxK.toString());
        props.put(BatchedTrainer.ENGINE_PROPERTY, "batched");
        Map<String, String> before = new TreeMap<>();
        for (String key : props.keySet()) before.put(key, System.getProperty(key));
        Map<String, FoldResult> folds = new ConcurrentHashMap<>();
        RunListener l = new RunListener() {
            @Override
            public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                folds.put(experiment + " " + seed + "/" + fold, r);
            }
        };
        try {
            props.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
            long steps0 = BatchedTrainer.modelSteps();
            long stackSteps0 = BatchedTrainer.stackSteps();
            ExperimentRunner.runSweep(configFiles, new ExperimentRunner.Options(tmp.resolve(out), data, Profile.PAPER, true, l));
            return new Run(new TreeMap<>(folds), BatchedTrainer.modelSteps() - steps0, BatchedTrainer.stackSteps() - stackSteps0);
        } finally {
            before.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
        }
    }

    /** Everything a fold reports except wall time, as numbers. */
    static List<Double> numbers(FoldResult r) {
        List<Double> x = new ArrayList<>();
        FoldSummary s = r.summary();
        x.add((double) s.bestEpoch());
        x.add((double) s.epochsRun());
        x.add(s.stoppedEarly() ? 1.0 : 0.0);
        x.add(s.heldOut().weightedF1());
        x.add(s.heldOut().accuracy());
        x.add(s.heldOut().mse());
        for (EpochStats e : s.curves()) {
            x.add((double) e.epoch());
            x.add(e.trainLoss());
            x.add(e.heldOutWeightedF1());
            x.add(e.heldOutAccuracy());
            x.add(e.heldOutMse());
            x.add(e.heldOutCombined());
            x.add(e.sigmaE() == null ? -1 : e.sigmaE());
            x.add(e.sigmaV() == null ? -1 : e.sigmaV());
        }
        for (AttentionSummary a : s.attention().values()) {
            for (double v : a.mean()) x.add(v);
            for (double[] c : a.perClass().values()) for (double v : c) x.add(v);
        }
        if (s.muKept() != null) for (float v : s.muKept()) x.add((double) v);
        List<SplitPredictions> preds = new ArrayList<>();
        preds.add(r.heldOut());
        preds.addAll(new TreeMap<>(r.tests()).values());
        for (SplitPredictions p : preds) {
            x.add((double) p.size());
            for (float[] row : p.logits()) for (float v : row) x.add((double) v);
            for (float v : p.valence()) x.add((double) v);
        }
        return x;
    }

    static void assertSameResults(Run expected, Run actual) {
        assertEquals(expected.folds().keySet(), actual.folds().keySet());
        for (String key : expected.folds().keySet()) {
            List<Double> a = numbers(expected.folds().get(key));
            List<Double> b = numbers(actual.folds().get(key));
            assertEquals(a.size(), b.size(), key + ": number of figures");
            for (int i = 0; i < a.size(); i++) assertEquals(a.get(i), b.get(i), 0.0, key + ": figure " + i);
        }
    }

    /** Patience must stop models at different epochs, else there is nothing to compact. */
    private static void assertStoppedAtDifferentEpochs(Run r) {
        java.util.Set<Integer> stops = new java.util.TreeSet<>();
        for (FoldResult f : r.folds().values()) {
            if (f.summary().stoppedEarly()) stops.add(f.summary().epochsRun());
        }
        assertTrue(stops.size() >= 2, "models stopped early at epochs " + stops);
    }

    /** The model-steps a run needs when each model is computed only while it trains: Σ epochs run × batches. */
    private static long needed(Run r) {
        long n = 0;
        for (FoldResult f : r.folds().values()) n += (long) f.summary().epochsRun() * ((f.summary().trainSamples() + 31) / 32);
        return n;
    }

    /**
     * 10 models (2 seeds × 5 folds) of S2 with the gated decoder and the uncertainty loss, patience 2: with compaction
     * the same results as without, for fewer model-steps; with K capped at 3 (waiting jobs take the places of stopped
     * models mid-run, the last model trains with a stopped passenger) the same results again, for fewer model-steps
     * than waves of 3.
     */
    @Test
    void compactionAndRefillKeepEveryModelsNumbers() throws IOException {
        List<Path> c = List.of(write("cmp-s2", "[[\"HL18\", \"RF\", \"MR\"]]", "flat", "gated", "uncertainty", "[0, 1]"));
        Run masked = run(c, false, null, "masked");
        Run compact = run(c, true, null, "compact");
        Run waves = run(c, false, 3, "waves");
        Run refill = run(c, true, 3, "refill");
        assertEquals(10, masked.folds().size());
        assertStoppedAtDifferentEpochs(masked);
        assertSameResults(masked, compact);
        assertSameResults(masked, waves);
        assertSameResults(masked, refill);
        // masked: all 10 computed for 12 epochs × 8 batches; compacted: only the models still training
        assertEquals(10L * 12 * 8, masked.modelSteps());
        // one stack of 10: a batched step per batch of the 12 epochs; waves of 3 take a stack's steps per wave
        assertEquals(12L * 8, masked.stackSteps());
        assertTrue(waves.stackSteps() > masked.stackSteps(), "waves " + waves.stackSteps() + " vs one stack " + masked.stackSteps());
        assertTrue(compact.modelSteps() <= needed(masked) + 12 * 8, "at most one passenger"); // (last model's)
        assertTrue(compact.modelSteps() < masked.modelSteps(), compact.modelSteps() + " vs " + masked.modelSteps());
        assertTrue(refill.modelSteps() < waves.modelSteps(), "refill " + refill.modelSteps() + " vs waves " + waves.modelSteps());
        System.out.printf("model-steps: masked %d, compacted %d; K=3: waves %d, refill %d (needed %d)%n",
                masked.modelSteps(), compact.modelSteps(), waves.modelSteps(), refill.modelSteps(), needed(masked));
    }

    /**
     * The test sets are evaluated once per model, when it is done, with the weights kept from its best epoch: a fold
     * whose best of 8 epochs is epoch b < 8 has bit for bit the test predictions of the same fold trained for b epochs
     * (where epoch b is also the last).
     */
    @Test
    void testPredictionsAreThoseOfTheBestEpochsWeights() throws IOException {
        String features = "[[\"HL18\", \"RF\", \"MR\"]]";
        Run longer = run(List.of(writeConfig("best-8", features, "flat", "joint", "uncertainty", "[0]", 8, null)), true, null, "best-8");
        String fold = null;
        int b = 0;
        for (Map.Entry<String, FoldResult> e : longer.folds().entrySet()) {
            int best = e.getValue().summary().bestEpoch();
            if (best >= 2 && best < 8) {
                fold = e.getKey().substring(e.getKey().indexOf(' ') + 1);
                b = best;
                break;
            }
        }
        assertTrue(fold != null, "a fold whose best epoch is neither the first nor the last: " + longer.folds().keySet());
        Run shorter = run(List.of(writeConfig("best-b", features, "flat", "joint", "uncertainty", "[0]", b, null)), true, null, "best-b");
        FoldResult a = longer.folds().get("best-8 " + fold);
        FoldResult c = shorter.folds().get("best-b " + fold);
        assertEquals(b, c.summary().bestEpoch(), "same trajectory, same best epoch");
        List<Double> expected = numbers(c).subList(numbers(c).size() - predictionFigures(c), numbers(c).size());
        List<Double> actual = numbers(a).subList(numbers(a).size() - predictionFigures(a), numbers(a).size());
        assertEquals(expected.size(), actual.size(), "prediction figures");
        for (int i = 0; i < expected.size(); i++) assertEquals(expected.get(i), actual.get(i), 0.0, fold + ": prediction figure " + i);
        assertTrue(!a.tests().isEmpty(), "the tiny dataset has test splits");
    }

    /** How many of {@link #numbers}' figures are predictions (held-out and tests): they come last. */
    private static int predictionFigures(FoldResult r) {
        int n = 0;
        List<SplitPredictions> preds = new ArrayList<>();
        preds.add(r.heldOut());
        preds.addAll(r.tests().values());
        for (SplitPredictions p : preds) n += 1 + p.size() * (p.logits().length == 0 ? 0 : p.logits()[0].length) + p.valence().length;
        return n;
    }

    /**
     * Dropout drawn in chunks of 3 steps (the GPU's way, here on the CPU): still every model's own stream, so
     * compaction with refill (K = 3) gives the masked run's numbers bit for bit, and the masks do change (chunk 3
     * trains other models than per-step draws).
     */
    @Test
    void chunkedDropoutKeepsEveryModelsNumbers() throws IOException {
        List<Path> c = List.of(write("cmp-chunk", "[[\"HL18\", \"RF\", \"MR\"]]", "flat", "gated", "uncertainty", "[0]"));
        Run masked = run(c, false, null, 3, "chunk-masked");
        Run refill = run(c, true, 3, 3, "chunk-refill");
        Run perStep = run(c, false, null, 1, "chunk-per-step");
        assertEquals(5, masked.folds().size());
        assertSameResults(masked, refill);
        for (String key : masked.folds().keySet()) {
            assertTrue(!numbers(masked.folds().get(key)).equals(numbers(perStep.folds().get(key))),
                    key + ": chunked draws should train another model than per-step draws");
        }
    }

    /**
     * The GPU's optimizer run on the CPU: libtorch's update over the parameters laid end to end ({@code
     * merlab.adam=flat}) gives the numbers of libtorch's update per parameter bit for bit, through early stops,
     * compaction and refill (each rebuilds the buffers) and the last steps of an epoch, where folds with fewer rows
     * have stopped and the update goes per parameter over the views. Dropout in chunks, as on a GPU.
     */
    @Test
    void flatOptimizerKeepsEveryModelsNumbers() throws IOException {
        List<Path> c = List.of(write("cmp-flat", "[[\"HL18\", \"RF\", \"MR\"]]", "flat", "gated", "uncertainty", "[0, 1]"));
        Run perParameter = run(c, true, 3, 3, StackedAdam.LIBTORCH, "adam-per-parameter");
        Run flat = run(c, true, 3, 3, StackedAdam.FLAT, "adam-flat");
        assertEquals(10, perParameter.folds().size());
        assertStoppedAtDifferentEpochs(perParameter);
        assertSameResults(perParameter, flat);
    }

    /**
     * A layer sweep (two configs, 5 folds each, one stack of 10 over two sources): as models stop, the stack's
     * segments per source shrink and may vanish; every model keeps its numbers.
     */
    @Test
    void sweepCompactionKeepsEveryModelsNumbers() throws IOException {
        List<Path> c = List.of(
                write("cmp-18", "[[\"HL18\"]]", "unimodal", "joint", "fixed", "[0]"),
                write("cmp-19", "[[\"HL19\"]]", "unimodal", "joint", "fixed", "[0]"));
        Run masked = run(c, false, null, "sweep-masked");
        Run compact = run(c, true, null, "sweep-compact");
        assertEquals(10, masked.folds().size());
        assertStoppedAtDifferentEpochs(masked);
        assertSameResults(masked, compact);
        assertTrue(compact.modelSteps() < masked.modelSteps(),
                "model-steps with compaction " + compact.modelSteps() + " vs without " + masked.modelSteps());
    }

    /** {@code -Dmerlab.batch.k} caps K at the pending models; anything but a whole number ≥ 1 is an error naming it. */
    @Test
    void theCapOnKIsAWholeNumberOfAtLeastOne() {
        String before = System.getProperty(StackSize.MAX_K_PROPERTY);
        try {
            System.setProperty(StackSize.MAX_K_PROPERTY, "4");
            assertEquals(4, StackSize.k(null, null, 15));
            assertEquals(3, StackSize.k(null, null, 3));
            for (String bad : List.of("0", "-2", "four", "2.5")) {
                System.setProperty(StackSize.MAX_K_PROPERTY, bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StackSize.k(null, null, 15));
                assertTrue(e.getMessage().startsWith("-Dmerlab.batch.k=" + bad + ":"), e.getMessage());
            }
        } finally {
            if (before == null) System.clearProperty(StackSize.MAX_K_PROPERTY);
            else System.setProperty(StackSize.MAX_K_PROPERTY, before);
        }
    }
}
