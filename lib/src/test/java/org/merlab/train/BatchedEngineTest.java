package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.merlab.experiment.Profile;

/**
 * The batched engine (K models as one computation) against the sequential one on a tiny MER-SIM.
 *
 * <p>Exact parity is tested with dropout off: each model's masks come from its own stream in the
 * batched engine and from libtorch's global generator in the sequential one, so with dropout on the
 * two agree only within run-to-run noise (tested on the metrics). Everything else (initial weights,
 * shuffles, Adam with decay masking, best-epoch selection) is the same, so the per-epoch training
 * losses and held-out scores of every (seed, fold) model match to 1e-5 over the first epochs.
 */
class BatchedEngineTest extends TinySimTest {

    private static Path write(String name, String features, String structure, String decoder, String loss, double dropout,
                              int epochs, String seeds) throws IOException {
        Path p = configs.resolve(name + ".json");
        Files.writeString(p, "{\"name\": \"" + name + "\", \"features\": " + features + ","
                + " \"model\": {\"structure\": \"" + structure + "\", \"decoder\": \"" + decoder + "\", \"d\": 16, \"hidden\": 32,"
                + " \"dropout\": " + dropout + "}, \"loss\": {\"kind\": \"" + loss + "\"},"
                + " \"protocol\": {\"epochs\": " + epochs + ", \"seeds\": " + seeds + "}}");
        return p;
    }

    /** Per (seed, fold): the epoch curves of a run with the given engine. */
    private static Map<String, List<EpochStats>> curves(Path config, String engine, Path out) {
        String before = System.getProperty(BatchedTrainer.ENGINE_PROPERTY);
        System.setProperty(BatchedTrainer.ENGINE_PROPERTY, engine);
        Map<String, List<EpochStats>> curves = new ConcurrentHashMap<>();
        try {
            RunListener l = new RunListener() {
                @Override
                public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                    curves.put(seed + "/" + fold, r.summary().curves());
                }
            };
            ExperimentRunner.run(config, new ExperimentRunner.Options(out, data, Profile.PAPER, true, l));
        } finally {
            if (before == null) System.clearProperty(BatchedTrainer.ENGINE_PROPERTY);
            else System.setProperty(BatchedTrainer.ENGINE_PROPERTY, before);
        }
        return new TreeMap<>(curves);
    }

    private static void assertParity(Path config, int folds) {
        Map<String, List<EpochStats>> seq = curves(config, "sequential", tmp.resolve("seq-" + config.getFileName()));
        Map<String, List<EpochStats>> bat = curves(config, "batched", tmp.resolve("bat-" + config.getFileName()));
        assertEquals(seq.keySet(), bat.keySet());
        assertEquals(folds, bat.size());
        for (String key : seq.keySet()) {
            List<EpochStats> a = seq.get(key);
            List<EpochStats> b = bat.get(key);
            assertEquals(a.size(), b.size(), key);
            for (int e = 0; e < a.size(); e++) {
                String where = config.getFileName() + " " + key + " epoch " + (e + 1);
                // first epoch (the first steps): 1e-5; later, float-order differences grow through training
                double tol = e == 0 ? 1e-5 : 1e-3;
                assertEquals(a.get(e).trainLoss(), b.get(e).trainLoss(), tol * Math.max(1, Math.abs(a.get(e).trainLoss())), where + " loss");
                assertEquals(a.get(e).heldOutMse(), b.get(e).heldOutMse(), e == 0 ? 1e-4 : 1e-2, where + " held-out MSE");
            }
        }
    }

    /** Folds × seeds of the official attention baseline (separate heads, fixed loss): the sequential losses. */
    @Test
    void foldsAndSeedsMatchSequentialWithoutDropout() throws IOException {
        Path c = write("par-att", "[[\"HL18\", \"MR\", \"MR\"]]", "official_attention", "separate", "fixed", 0.0, 2, "[0, 1]");
        assertParity(c, 10);
    }

    /** Every structure and decoder, both losses, match the sequential engine (one seed). */
    @Test
    void everyStructureDecoderAndLossMatchesSequential() throws IOException {
        assertParity(write("par-s1", "[[\"HL18\", \"HL19\"], [\"RF\", \"MR\"]]", "hierarchical", "joint", "uncertainty", 0.0, 2, "[0]"), 5);
        assertParity(write("par-s2", "[[\"HL18\", \"RF\", \"MR\"]]", "flat", "gated", "fixed", 0.0, 2, "[3]"), 5);
        assertParity(write("par-s3", "[[\"HL18\", \"HL19\"], [\"RF\", \"MR\"]]", "cross", "mapping", "uncertainty", 0.0, 2, "[0]"), 5);
        assertParity(write("par-uni", "[[\"HL20\"]]", "unimodal", "joint", "fixed", 0.0, 2, "[0]"), 5);
    }

    /** With dropout on, the two engines agree within run-to-run noise on the CV metrics. */
    @Test
    void withDropoutMetricsAgreeWithinNoise() throws IOException {
        Path c = write("noise", "[[\"HL19\"]]", "unimodal", "separate", "fixed", 0.3, 10, "[0]");
        double f1s = run(c, "sequential", "noise-seq").metrics().get("cv").mean().weightedF1();
        double f1b = run(c, "batched", "noise-bat").metrics().get("cv").mean().weightedF1();
        assertTrue(Math.abs(f1s - f1b) < 0.08, "sequential " + f1s + " vs batched " + f1b);
    }

    /**
     * A layer sweep (three configs differing only in the HuBERT layer) trained as one batch of 3 × 5 models gives
     * each config the per-epoch losses of its own sequential run, and its results land per config.
     */
    @Test
    void layerSweepMatchesSequentialPerConfig() throws IOException {
        List<Path> sweep = List.of(
                write("sw-18", "[[\"HL18\"]]", "unimodal", "separate", "fixed", 0.0, 2, "[0]"),
                write("sw-19", "[[\"HL19\"]]", "unimodal", "separate", "fixed", 0.0, 2, "[0]"),
                write("sw-20", "[[\"HL20\"]]", "unimodal", "separate", "fixed", 0.0, 2, "[0]"));
        Map<String, List<EpochStats>> batched = new ConcurrentHashMap<>();
        RunListener l = new RunListener() {
            @Override
            public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                batched.put(experiment + " " + seed + "/" + fold, r.summary().curves());
            }
        };
        List<ExperimentRunner.RunResult> results =
                ExperimentRunner.runSweep(sweep, new ExperimentRunner.Options(tmp.resolve("sweep"), data, Profile.PAPER, true, l));
        assertEquals(3, results.size());
        assertEquals(15, batched.size());
        for (int i = 0; i < 3; i++) {
            ExperimentRunner.RunResult r = results.get(i);
            assertEquals("sw-" + (18 + i), r.name());
            assertEquals(5, r.foldsTrained());
            assertTrue(Files.isRegularFile(r.metricsFile()));
            Map<String, List<EpochStats>> seq = curves(sweep.get(i), "sequential", tmp.resolve("sweep-seq-" + i));
            for (Map.Entry<String, List<EpochStats>> e : seq.entrySet()) {
                List<EpochStats> b = batched.get(r.name() + " " + e.getKey());
                assertEquals(e.getValue().get(0).trainLoss(), b.get(0).trainLoss(),
                        1e-5 * Math.max(1, Math.abs(b.get(0).trainLoss())), r.name() + " " + e.getKey());
            }
        }
    }

    private static ExperimentRunner.RunResult run(Path config, String engine, String out) {
        String before = System.getProperty(BatchedTrainer.ENGINE_PROPERTY);
        System.setProperty(BatchedTrainer.ENGINE_PROPERTY, engine);
        try {
            return ExperimentRunner.run(config, new ExperimentRunner.Options(tmp.resolve(out), data, Profile.PAPER, true, null));
        } finally {
            if (before == null) System.clearProperty(BatchedTrainer.ENGINE_PROPERTY);
            else System.setProperty(BatchedTrainer.ENGINE_PROPERTY, before);
        }
    }
}
