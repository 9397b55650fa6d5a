package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.merlab.data.Emotion;
import org.merlab.data.LabelSet;
import org.merlab.data.MerDataset;
import org.merlab.data.Split;
import org.merlab.data.StratifiedKFold;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;
import org.merlab.model.MerModel;
import org.merlab.model.Models;
import org.merlab.model.ParameterNames;

/**
 * The training engine on a tiny MER-SIM (300 train, 60 test1, 61 test2 clips) with small models:
 * determinism, resume, interrupt, weight-decay exclusion, the metrics.json shape, decision fusion
 * and that learning happens.
 */
class TrainingEngineTest extends TinySimTest {

    @BeforeAll
    static void writeConfigs() throws IOException {
        write("att", "{\"name\": \"att\", \"features\": [[\"HL18\", \"MR\"]],"
                + " \"model\": {\"structure\": \"official_attention\", \"decoder\": \"separate\", \"d\": 16, \"hidden\": 32},"
                + " \"loss\": {\"kind\": \"fixed\"}, \"protocol\": {\"epochs\": 6, \"seeds\": [0, 1]}}");
        write("s1", "{\"name\": \"s1\", \"features\": [[\"HL18\", \"HL19\"], [\"RF\", \"MR\"]],"
                + " \"model\": {\"structure\": \"hierarchical\", \"decoder\": \"joint\", \"d\": 16, \"hidden\": 32},"
                + " \"loss\": {\"kind\": \"uncertainty\"}, \"protocol\": {\"epochs\": 5, \"seeds\": [0]}}");
        write("learn", "{\"name\": \"learn\", \"features\": [[\"HL19\"]],"
                + " \"model\": {\"structure\": \"unimodal\", \"decoder\": \"separate\", \"d\": 32, \"hidden\": 64},"
                + " \"loss\": {\"kind\": \"fixed\"}, \"protocol\": {\"epochs\": 15, \"seeds\": [0]}}");
        write("fusion", "{\"name\": \"fusion\", \"fusion\": {\"members\": [\"att.json\", \"s1.json\"], \"weights\": \"oof-grid\"}}");
    }

    private static void write(String name, String json) throws IOException {
        Files.writeString(configs.resolve(name + ".json"), json);
    }

    private static ExperimentRunner.Options options(Path out, boolean force, RunListener l) {
        return new ExperimentRunner.Options(out, data, Profile.PAPER, force, l);
    }

    private static ExperimentRunner.RunResult run(String config, Path out) {
        return ExperimentRunner.run(configs.resolve(config + ".json"), options(out, false, null));
    }

    private static JsonNode json(Path p) throws IOException {
        return ExperimentConfigs.JSON.readTree(p.toFile());
    }

    /** Same config and seed ⇒ bit-identical metrics and predictions. */
    @Test
    void sameConfigAndSeedGiveIdenticalResults() throws IOException {
        ExperimentRunner.RunResult a = run("att", tmp.resolve("det-a"));
        ExperimentRunner.RunResult b = run("att", tmp.resolve("det-b"));
        assertEquals(json(a.metricsFile()).get("metrics"), json(b.metricsFile()).get("metrics"));
        for (int fold = 0; fold < 5; fold++) {
            String name = "seed-1/fold-" + fold + "-predictions.csv";
            assertEquals(Files.readString(a.dir().resolve(name)), Files.readString(b.dir().resolve(name)), name);
        }
        // another seed gives other numbers
        assertFalse(a.seeds().get(0).cv().equals(a.seeds().get(1).cv()));
    }

    /** Runs {@code body} with {@code -Dmerlab.engine=engine}, restoring the property after. */
    static <T> T withEngine(String engine, java.util.concurrent.Callable<T> body) throws Exception {
        String before = System.getProperty(BatchedTrainer.ENGINE_PROPERTY);
        System.setProperty(BatchedTrainer.ENGINE_PROPERTY, engine);
        try {
            return body.call();
        } finally {
            if (before == null) System.clearProperty(BatchedTrainer.ENGINE_PROPERTY);
            else System.setProperty(BatchedTrainer.ENGINE_PROPERTY, before);
        }
    }

    /** Sequential engine: delete one fold's file, a rerun trains that fold only, and the metrics stay bit-identical. */
    @Test
    void resumeRetrainsOnlyTheMissingFold() throws Exception {
        withEngine("sequential", () -> {
            resumeBody(tmp.resolve("resume"), true);
            return null;
        });
    }

    /**
     * Batched engine: the missing fold is retrained alone (K = 1 instead of 10); same seeds, shuffles and dropout
     * streams, so the metrics agree up to float summation order (batched products of another K).
     */
    @Test
    void batchedResumeRetrainsOnlyTheMissingFold() throws Exception {
        withEngine("batched", () -> {
            resumeBody(tmp.resolve("resume-batched"), false);
            return null;
        });
    }

    private void resumeBody(Path out, boolean bitIdentical) throws IOException {
        ExperimentRunner.RunResult first = run("att", out);
        assertEquals(10, first.foldsTrained());
        JsonNode firstMetrics = json(first.metricsFile()).get("metrics");
        ExperimentRunner.RunResult again = run("att", out);
        assertEquals(0, again.foldsTrained());
        assertEquals(10, again.foldsReused());
        // a call that reuses every fold still reports what training them cost: the fold files' seconds, not its own
        double trainedFor = json(first.metricsFile()).get("runtime").get("training_seconds").asDouble();
        assertTrue(trainedFor > 0, "training_seconds " + trainedFor);
        assertEquals(trainedFor, json(again.metricsFile()).get("runtime").get("training_seconds").asDouble(), 1e-9);

        Files.delete(first.dir().resolve("seed-1").resolve("fold-3.json"));
        List<String> trained = Collections.synchronizedList(new ArrayList<>());
        RunListener counter = new RunListener() {
            @Override
            public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                if (!reused) trained.add(seed + "/" + fold);
            }
        };
        ExperimentRunner.RunResult resumed = ExperimentRunner.run(configs.resolve("att.json"), options(out, false, counter));
        assertEquals(List.of("1/3"), trained);
        assertEquals(1, resumed.foldsTrained());
        assertEquals(9, resumed.foldsReused());
        if (bitIdentical) {
            assertEquals(firstMetrics, json(resumed.metricsFile()).get("metrics"));
            assertEquals(first.metrics().get("cv"), resumed.metrics().get("cv"));
            assertEquals(first.metrics().get("test1"), resumed.metrics().get("test1"));
        } else {
            assertEquals(first.metrics().get("cv").mean().weightedF1(), resumed.metrics().get("cv").mean().weightedF1(), 1e-6);
            assertEquals(first.metrics().get("cv").mean().mse(), resumed.metrics().get("cv").mean().mse(), 1e-5);
            assertEquals(first.metrics().get("test1").mean().mse(), resumed.metrics().get("test1").mean().mse(), 1e-5);
        }

        // another protocol in the same folder is refused without --force, retrained with it
        write("att-more", Files.readString(configs.resolve("att.json")).replace("\"epochs\": 6", "\"epochs\": 7"));
        var e = assertThrows(ResultStore.ResultsMismatchException.class,
                () -> ExperimentRunner.run(configs.resolve("att-more.json"), options(out, false, null)));
        assertTrue(e.getMessage().contains("protocol.epochs"), e.getMessage());
        ExperimentRunner.RunResult forced = ExperimentRunner.run(configs.resolve("att-more.json"), options(out, true, null));
        assertEquals(10, forced.foldsTrained());
    }

    /**
     * A call's seconds ({@code RunResult.seconds}, metrics.json's {@code runtime.seconds}) run from its start: what comes
     * before the folds (planning, opening the dataset, which may generate MER-SIM) counts. A listener slow to take the
     * plan stands for a slow start; every fold is reused, so the call's own work is a few milliseconds.
     */
    @Test
    void aCallsSecondsIncludeWhatComesBeforeTheFolds() throws IOException {
        Path out = tmp.resolve("seconds");
        run("att", out);
        RunListener slowStart = new RunListener() {
            @Override
            public void onPlan(long totalEpochs) {
                try {
                    Thread.sleep(400);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ExperimentRunner.RunResult again = ExperimentRunner.run(configs.resolve("att.json"), options(out, false, slowStart));
        assertEquals(10, again.foldsReused());
        assertTrue(again.seconds() >= 0.4, "seconds " + again.seconds());
        assertEquals(again.seconds(), json(again.metricsFile()).get("runtime").get("seconds").asDouble(), 1e-9);
    }

    /** Sequential engine: interrupting the training thread stops it within a batch or two; finished folds stay and are reused. */
    @Test
    void interruptStopsPromptlyAndKeepsFinishedFolds() throws Exception {
        withEngine("sequential", () -> {
            interruptBody();
            return null;
        });
    }

    /** Batched engine: an interrupt stops all models of the batch promptly, leaves no partial file, and the engine is usable again. */
    @Test
    void batchedInterruptStopsPromptly() throws Exception {
        Path out = tmp.resolve("interrupt-batched");
        CountDownLatch inSecondEpoch = new CountDownLatch(1);
        RunListener l = new RunListener() {
            @Override
            public void onEpoch(String experiment, long seed, int fold, EpochStats stats) {
                if (stats.epoch() == 2) inSecondEpoch.countDown();
            }
        };
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                withEngine("batched", () -> ExperimentRunner.run(configs.resolve("att.json"), options(out, false, l)));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        assertTrue(inSecondEpoch.await(60, TimeUnit.SECONDS), () -> "training never reached epoch 2: " + thrown.get());
        long t0 = System.nanoTime();
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive(), "training did not stop within 10 s of the interrupt");
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "stopping took too long");
        assertInstanceOf(TrainingInterruptedException.class, thrown.get());
        Path seed0 = out.resolve("att").resolve("paper").resolve("seed-0");
        if (Files.isDirectory(seed0)) {
            try (var s = Files.list(seed0)) {
                assertTrue(s.noneMatch(p -> p.toString().endsWith(".tmp")), "a temporary file was left behind");
            }
        }
        ExperimentRunner.RunResult resumed = withEngine("batched", () -> run("att", out));
        assertEquals(10, resumed.foldsTrained() + resumed.foldsReused());
    }

    private void interruptBody() throws Exception {
        Path out = tmp.resolve("interrupt");
        CountDownLatch inSecondFold = new CountDownLatch(1);
        AtomicInteger epochsAfterInterrupt = new AtomicInteger();
        RunListener l = new RunListener() {
            @Override
            public void onEpoch(String experiment, long seed, int fold, EpochStats stats) {
                if (fold == 1 && stats.epoch() == 2) inSecondFold.countDown();
                if (Thread.currentThread().isInterrupted()) epochsAfterInterrupt.incrementAndGet();
            }
        };
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                ExperimentRunner.run(configs.resolve("att.json"), options(out, false, l));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        assertTrue(inSecondFold.await(60, TimeUnit.SECONDS), "training never reached fold 1");
        long t0 = System.nanoTime();
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive(), "training did not stop within 10 s of the interrupt");
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "stopping took too long");
        assertInstanceOf(TrainingInterruptedException.class, thrown.get());
        assertTrue(epochsAfterInterrupt.get() <= 1);
        Path seed0 = out.resolve("att").resolve("paper").resolve("seed-0");
        assertTrue(Files.isRegularFile(seed0.resolve("fold-0.json")));
        assertTrue(Files.isRegularFile(seed0.resolve("fold-0-predictions.csv")));
        assertFalse(Files.exists(seed0.resolve("fold-1.json")));
        try (var s = Files.list(seed0)) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".tmp")), "a temporary file was left behind");
        }
        // the engine is usable again (no dangling gradient collector) and resumes after fold 0
        ExperimentRunner.RunResult resumed = run("att", out);
        assertEquals(1, resumed.foldsReused());
        assertEquals(9, resumed.foldsTrained());
    }

    /** s_e and s_v get no weight decay; every other parameter gets the configured one. */
    @Test
    void weightDecaySkipsTheUncertaintyLogVariances() {
        float lr = 0.01f;
        float wd = 0.5f;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray decayed = m.create(new float[] {1f, -2f});
            NDArray kept = m.create(new float[] {1f, -2f});
            NDArray zeroGrad = m.zeros(decayed.getShape(), DataType.FLOAT32);
            DecayMaskedAdam adam = new DecayMaskedAdam(lr, wd, Set.of("kept"));
            adam.update("decayed", decayed, zeroGrad);
            adam.update("kept", kept, zeroGrad);
            // zero gradient: only the coupled L2 term moves the weight, by about lr against its sign (Adam's first step)
            assertArrayEquals(new float[] {1f - lr, -2f + lr}, decayed.toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {1f, -2f}, kept.toFloatArray(), 0f);

            MerModel model = Models.build(FoldTrainer.spec(
                    org.merlab.experiment.ExperimentConfigs.read(configs.resolve("s1.json")),
                    new long[][] {{4, 4}, {3, 5}}, new float[] {0, -2, 2, -2, -1, 0}));
            model.initialize(m, DataType.FLOAT32, model.inputShapes(1));
            DecayMaskedAdam opt = new DecayMaskedAdam(1e-3f, 1e-5f, model.noDecayParameterIds());
            Map<String, Parameter> params = ParameterNames.of(model);
            assertEquals(0f, opt.weightDecayOf(params.get("uncertainty_s_e").getId()));
            assertEquals(0f, opt.weightDecayOf(params.get("uncertainty_s_v").getId()));
            long others = params.entrySet().stream().filter(e -> !e.getKey().startsWith("uncertainty_"))
                    .filter(e -> opt.weightDecayOf(e.getValue().getId()) == 1e-5f).count();
            assertEquals(params.size() - 2, others);
        }
    }

    /** metrics.json: per split mean/std/per_seed of the four figures, config, profile, dataset, provenance; submissions. */
    @Test
    void metricsJsonHasTheDocumentedShape() throws IOException {
        ExperimentRunner.RunResult r = run("att", tmp.resolve("shape"));
        JsonNode m = json(r.metricsFile());
        for (String split : List.of("cv", "test1", "test2")) {
            JsonNode s = m.path("metrics").path(split);
            for (String part : List.of("mean", "std")) {
                for (String key : List.of("weighted_f1", "accuracy", "mse", "combined")) {
                    assertTrue(s.path(part).path(key).isNumber(), split + "." + part + "." + key);
                }
            }
            assertEquals(2, s.path("per_seed").size());
            assertEquals(1, s.path("per_seed").get(1).path("seed").asInt());
            double f1 = s.path("mean").path("weighted_f1").asDouble();
            assertTrue(f1 > 0 && f1 <= 1, "fractions, not percents");
            double combined = s.path("mean").path("combined").asDouble();
            double mse = s.path("mean").path("mse").asDouble();
            if (split.equals("cv")) {
                for (JsonNode seed : s.path("per_seed")) {
                    assertEquals(seed.path("weighted_f1").asDouble() - 0.25 * seed.path("mse").asDouble(),
                            seed.path("combined").asDouble(), 1e-12);
                }
            } else {
                assertTrue(s.path("seed_ensemble").path("combined").isNumber());
            }
            assertTrue(Double.isFinite(combined) && mse > 0);
        }
        assertEquals("paper", m.path("profile").asText());
        assertEquals("att", m.path("config").path("name").asText());
        assertEquals(6, m.path("config").path("protocol").path("epochs").asInt());
        assertTrue(m.path("dataset").path("synthetic").asBoolean());
        assertEquals(data.toAbsolutePath().normalize().toString(), m.path("dataset").path("path").asText());
        assertTrue(m.path("provenance").path("versions").path("djl").isTextual());
        assertTrue(m.path("runtime").path("threads").asInt() >= 1);
        // what the numbers also depend on: the engine and, on the CPU, the Java Adam update
        assertEquals(BatchedTrainer.enabled() ? "batched" : "sequential", m.path("runtime").path("engine").asText());
        // the pom starts the tests with the vector module, as the launcher and the kernel start Java
        assertEquals(BatchedTrainer.enabled() ? "java, vector lanes of " + AdamLanes.lanes() + " floats" : "libtorch",
                m.path("runtime").path("adam_update").asText());
        for (String split : List.of("test1", "test2")) {
            List<String> lines = Files.readAllLines(r.dir().resolve("submission-" + split + ".csv"));
            assertEquals("name,discrete,valence", lines.get(0));
            assertEquals(split.equals("test1") ? 61 : 62, lines.size());
            String[] row = lines.get(1).split(",");
            assertNotNull(Emotion.fromLabel(row[1]));
            double v = Double.parseDouble(row[2]);
            assertTrue(v >= -5 && v <= 5);
        }
        JsonNode fold = json(r.dir().resolve("seed-0").resolve("fold-0.json"));
        assertEquals(6, fold.path("curves").size());
        assertTrue(fold.path("curves").get(0).path("train_loss").isNumber());
        assertTrue(fold.path("curves").get(0).path("sigma_e").isNull(), "the fixed loss has no σ");
        assertEquals(List.of("HL18", "MR"), ExperimentConfigs.JSON.convertValue(fold.path("attention").path("alpha").path("inputs"), List.class));
        int best = fold.path("best_epoch").asInt();
        double bestCombined = fold.path("held_out").path("combined").asDouble();
        for (JsonNode c : fold.path("curves")) assertTrue(c.path("held_out_combined").asDouble() <= bestCombined + 1e-12);
        assertEquals(bestCombined, fold.path("curves").get(best - 1).path("held_out_combined").asDouble(), 1e-12);
        String header = Files.readAllLines(r.dir().resolve("seed-0").resolve("fold-0-predictions.csv")).get(0);
        assertTrue(header.contains("prob_surprise") && header.contains("logit_neutral"), header);
    }

    /** The joint decoder's μ starts at the fold's per-class mean valence; the uncertainty loss logs σ per epoch. */
    @Test
    void jointDecoderStartsAtFoldClassMeansAndSigmasAreLogged() throws IOException {
        ExperimentRunner.RunResult r = run("s1", tmp.resolve("joint"));
        MerDataset ds = MerDataset.open(data);
        LabelSet train = ds.labels(Split.TRAIN);
        StratifiedKFold kf = new StratifiedKFold(train.classes(), Emotion.COUNT, 5, 0);
        float[] expected = FoldTrainer.classMeanValence(train.classes(), train.valences(), kf.training(2));
        FoldResult f = r.seeds().get(0).folds().get(2);
        assertArrayEquals(expected, f.summary().muInitial(), 0f);
        assertNotNull(f.summary().muKept());
        for (EpochStats e : f.summary().curves()) {
            assertTrue(e.sigmaE() > 0 && e.sigmaV() > 0);
        }
        assertFalse(f.summary().curves().get(0).sigmaE().equals(f.summary().curves().get(4).sigmaE()), "σ_e never moved");
        assertEquals(Set.of("alpha_group0", "alpha_group1", "alpha_top"), f.summary().attention().keySet());
        assertEquals(List.of("HL18+HL19", "RF+MR"), f.summary().attention().get("alpha_top").inputs());
        double[] mean = f.summary().attention().get("alpha_top").mean();
        assertEquals(1.0, mean[0] + mean[1], 1e-5, "AFG weights are a softmax");
    }

    /** A decision-fusion config runs (or reuses) its members and fuses them; oof-grid picks weights on OOF predictions. */
    @Test
    void fusionFusesMembersAndReusesThem() throws IOException {
        Path out = tmp.resolve("fusion");
        ExperimentRunner.RunResult r = ExperimentRunner.run(configs.resolve("fusion.json"), options(out, false, null));
        assertTrue(r.fusion());
        assertEquals(15, r.foldsTrained(), "att: 2 seeds × 5 folds, s1: 1 seed × 5 folds");
        double[] w = r.weights();
        assertEquals(2, w.length);
        assertEquals(1.0, w[0] + w[1], 1e-9);
        JsonNode m = json(r.metricsFile());
        assertEquals("fusion", m.path("kind").asText());
        assertEquals("oof-grid", m.path("fusion").path("weights_mode").asText());
        assertEquals(1, m.path("metrics").path("cv").path("per_seed").size(), "only seed 0 is shared");
        // the chosen weights are the best of the grid on the members' out-of-fold predictions
        double chosen = m.path("metrics").path("cv").path("mean").path("combined").asDouble();
        List<SeedResult> members = List.of(run("att", out).seeds().get(0), run("s1", out).seeds().get(0));
        double best = Double.NEGATIVE_INFINITY;
        for (double[] cand : org.merlab.model.DecisionFusion.simplexGrid(2, FusedSeeds.GRID_STEPS)) {
            best = Math.max(best, FusedSeeds.cv(members, cand).combined());
        }
        assertEquals(best, chosen, 0.0);
        assertEquals(chosen, FusedSeeds.cv(members, w).combined(), 0.0);
        assertTrue(Files.isRegularFile(r.dir().resolve("submission-test1.csv")));
        ExperimentRunner.RunResult again = ExperimentRunner.run(configs.resolve("fusion.json"), options(out, false, null));
        assertEquals(0, again.foldsTrained());
        assertEquals(m.get("metrics"), json(again.metricsFile()).get("metrics"));
        assertNull(r.seeds().get(0).folds().get(0).summary().muInitial());
    }

    /** The thread-count property reaches libtorch (Surefire sets 1): fixed threads, reproducible CPU sums. */
    @Test
    void libtorchUsesTheConfiguredThreadCount() {
        ComputeDevice.configure();
        assertEquals(Integer.getInteger("ai.djl.pytorch.num_threads").intValue(), ComputeDevice.threads());
        boolean gpu = ai.djl.engine.Engine.getInstance().getGpuCount() > 0;
        assertEquals(gpu ? ai.djl.Device.gpu() : ai.djl.Device.cpu(), ComputeDevice.device());
    }

    /** The models learn: CV weighted F1 well above what class priors give. */
    @Test
    void learningHappens() {
        ExperimentRunner.RunResult r = run("learn", tmp.resolve("learn"));
        double f1 = r.metrics().get("cv").mean().weightedF1();
        double mse = r.metrics().get("cv").mean().mse();
        // chance: predicting classes at random with the train priors gives a weighted F1 of Σ p_c² ≈ 0.22
        int[] counts = MerDataset.open(data).labels(Split.TRAIN).classCounts();
        double total = java.util.Arrays.stream(counts).sum();
        double chance = java.util.Arrays.stream(counts).mapToDouble(c -> (c / total) * (c / total)).sum();
        assertTrue(f1 > chance + 0.2, "CV weighted F1 " + f1 + " vs chance " + chance);
        double var = variance(MerDataset.open(data).labels(Split.TRAIN).valences());
        assertTrue(mse < var, "CV MSE " + mse + " not below the valence variance " + var);
        assertTrue(r.metrics().get("test1").mean().weightedF1() > chance + 0.1, "test1 is only 60 clips");
    }

    private static double variance(double[] v) {
        double m = java.util.Arrays.stream(v).average().orElse(0);
        return java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).average().orElse(0);
    }
}
