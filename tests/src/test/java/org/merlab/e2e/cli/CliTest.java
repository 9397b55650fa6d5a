package org.merlab.e2e.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher as a user runs it: sim, then score; help; one-line errors. */
class CliTest {
    private static final Path SCORE_FIXTURES = Launcher.root().resolve("lib/src/test/resources/fixtures/data/score");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void scorePrintsScikitLearnsFigures() throws Exception {
        Launcher.Result r = Launcher.run("score", "--labels", SCORE_FIXTURES.resolve("labels.csv").toString(),
                "--pred", SCORE_FIXTURES.resolve("pred.csv").toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode got = JSON.readTree(r.out());
        JsonNode expected = JSON.readTree(SCORE_FIXTURES.resolve("expected.json").toFile());
        for (String key : List.of("weighted_f1", "accuracy", "macro_f1", "mse", "mae", "combined")) {
            assertEquals(expected.get(key).asDouble(), got.get(key).asDouble(), 1e-12, key);
        }
        assertEquals(60, got.get("samples").asInt());
        assertEquals(6, got.get("per_class").size());
    }

    @Test
    void simThenScoreAgainstItsOwnNpzLabels() throws Exception {
        Path sim = dir.resolve("sim");
        Launcher.Result first = Launcher.run("sim", "--out", sim.toString(), "--train", "200", "--test", "40", "-q");
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().contains("200 train, 40 test1, 41 test2"), first.out());
        Launcher.Result again = Launcher.run("sim", "--out", sim.toString(), "--train", "200", "--test", "40", "-q");
        assertTrue(again.out().contains("nothing to do"), again.out());

        // predict test1 perfectly except that every 'happy' becomes 'neutral'
        List<String> rows = Files.readAllLines(sim.resolve("dataset-release/test1-label.csv"));
        StringBuilder pred = new StringBuilder(rows.get(0)).append('\n');
        int happy = 0;
        for (String row : rows.subList(1, rows.size())) {
            if (row.contains(",happy,")) happy++;
            pred.append(row.replace(",happy,", ",neutral,")).append('\n');
        }
        Path predFile = dir.resolve("pred.csv");
        Files.writeString(predFile, pred);
        Launcher.Result r = Launcher.run("score", "--labels", sim.resolve("dataset-process/label-6way.npz").toString(), "--pred", predFile.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode got = JSON.readTree(r.out());
        assertEquals("test1", got.get("split").asText(), "split found from the names");
        assertEquals(1.0 - happy / 40.0, got.get("accuracy").asDouble(), 1e-12);
        assertEquals(0.0, got.get("mse").asDouble(), 0.0);
    }

    @Test
    void benchTrainTimesTheBatchedEngineAndHandsTheReferenceTheSameWork() throws Exception {
        Path sim = dir.resolve("sim");
        assertEquals(0, Launcher.run("sim", "--out", sim.toString(), "--train", "200", "--test", "40", "-q").exit());
        // a stand-in for the PyTorch reference: records its arguments, answers with the reference's JSON line
        Path args = dir.resolve("reference-args.txt");
        Path python = dir.resolve("python");
        Path env = dir.resolve("reference-env.txt");
        Files.writeString(python, "#!/bin/sh\necho \"$@\" > " + args + "\nenv | grep '^OPENBLAS_' > " + env + "\n"
                + "echo '{\"torch\": \"stand-in\", \"threads\": 1, \"device\": \"cpu\", \"cv_seconds\": 2.0,"
                + " \"epoch_seconds_median\": 0.5, \"first_epoch_seconds\": 0.5, \"steps_per_second\": 10.0}'\n");
        assertTrue(python.toFile().setExecutable(true));
        Launcher.Result r = Launcher.run("bench", "train", "--epochs", "1", "--seeds", "1", "--data", sim.toString(),
                "--python", python.toString(), "--repeat", "2");
        assertEquals(0, r.exit(), r.err());
        String called = Files.readString(args);
        assertTrue(called.contains("--epochs 1 --seeds 1") && called.contains("--device cpu"), called);
        JsonNode json = JSON.readTree(r.out().substring(r.out().indexOf("\n{") + 1));
        JsonNode merlab = json.get("merlab");
        assertEquals(5, merlab.get("models").asInt(), "5 folds x 1 seed");
        assertTrue(merlab.get("device").asText().startsWith("cpu"), merlab.toString());
        assertTrue(merlab.get("gpu_memory_held_mb").isNull(), "no GPU memory on the CPU");
        double cv = merlab.get("cv_seconds").asDouble();
        assertTrue(cv > 0, merlab.toString());
        assertEquals(cv / 2.0, json.get("ratio_cv").asDouble(), 1e-12);
        // two pairs in turn, each with its own ratio; the median of two is their mean
        JsonNode runs = json.get("runs");
        assertEquals(2, runs.size(), json.toString());
        assertEquals(cv, runs.get(1).get("merlab_cv_seconds").asDouble(), 1e-12, "the detailed figures are the last run's");
        double r0 = runs.get(0).get("merlab_cv_seconds").asDouble() / 2.0;
        assertEquals(r0, runs.get(0).get("ratio_cv").asDouble(), 1e-12);
        assertEquals((r0 + cv / 2.0) / 2, json.get("ratio_cv_median").asDouble(), 1e-12);
        assertTrue(r.out().contains("CV ratio of each pair, in turn:"), r.out());
        assertTrue(r.out().contains("ratio merlab / PyTorch"), r.out());
        // the reference's OpenBLAS gets its thread count, and the AVX-512 kernels exactly when merlab's MKL runs them
        String referenceEnv = Files.readString(env);
        assertTrue(referenceEnv.contains("OPENBLAS_NUM_THREADS=" + merlab.get("threads").asInt()), referenceEnv);
        assertEquals(MKL_LIFTED, merlab.get("matrix_kernels").asText().contains("vendor check lifted"), merlab.toString());
        if (!MKL_LIFTED) assertFalse(referenceEnv.contains("SkylakeX"), referenceEnv);
        if (MKL_LIFTED && cpuHasAvx512()) assertTrue(referenceEnv.contains("OPENBLAS_CORETYPE=SkylakeX"), referenceEnv);
        // the launcher starts Java with the vector module (Adam's vector lanes) and drops the JVM's notice about it
        assertTrue(merlab.get("adam_update").asText().startsWith("java, vector lanes of "), merlab.toString());
        assertFalse(r.err().contains("incubator"), r.err());
    }

    @Test
    void javasMessagesKeepTheirPlaceInALogFileSharedWithTheShell() throws Exception {
        // Java writes its messages to the launcher's own stderr (LauncherStderr), not through the filter that drops
        // the JVM's notice: in one log file, opened once by the shell, they come before what the shell writes next
        Path log = dir.resolve("shared.log");
        Path missing = dir.resolve("missing.json");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "\"$0\" run \"$1\" > \"$2\" 2>&1; echo \"exit $?\" >> \"$2\"",
                Launcher.root().resolve("merlab").toString(), missing.toString(), log.toString());
        pb.environment().put("MERLAB_SKIP_SETUP", "1");
        assertEquals(0, pb.inheritIO().start().waitFor());
        assertEquals(List.of("merlab run: " + missing + ": config not found — check the path (configs live in experiments/)", "exit 2"),
                Files.readAllLines(log));
    }

    @Test
    void mklsVendorCheckCanBeKeptAndABadSettingIsAOneLineError() throws Exception {
        Path sim = dir.resolve("sim-keep");
        assertEquals(0, Launcher.run("sim", "--out", sim.toString(), "--train", "200", "--test", "40", "-q").exit());
        String[] sweep = {"bench", "sweep", "--epochs", "1", "--layers", "1", "--width", "4", "--data", sim.toString()};
        Launcher.Result kept = Launcher.run(Map.of("MERLAB_MKL_VENDOR_CHECK", "keep"), sweep);
        assertEquals(0, kept.exit(), kept.err());
        JsonNode json = JSON.readTree(kept.out().substring(kept.out().indexOf("\n{") + 1));
        assertEquals("MKL as shipped", json.get("matrix_kernels").asText());
        Launcher.Result lifted = Launcher.run(sweep);
        assertEquals(0, lifted.exit(), lifted.err());
        json = JSON.readTree(lifted.out().substring(lifted.out().indexOf("\n{") + 1));
        assertEquals(MKL_LIFTED ? "MKL, vendor check lifted (kernels chosen by CPU features)" : "MKL as shipped",
                json.get("matrix_kernels").asText(), "the default where setup built the library");

        Launcher.Result bad = Launcher.run(Map.of("MERLAB_MKL_VENDOR_CHECK", "yes"), "sim", "--help");
        assertEquals(1, bad.exit());
        assertEquals("merlab: MERLAB_MKL_VENDOR_CHECK must be 'lift' (the default) or 'keep', not 'yes'", bad.err().strip());
    }

    @Test
    void theCudaBuildKeepsGlibcsArenasForItsLaunchingThreads() throws Exception {
        String[] sweep = cheapSweep("sim-arenas");
        List<String> unset = List.of("GLIBC_TUNABLES", "MERLAB_CUDA");
        Launcher.Result cpu = Launcher.run(unset, Map.of(), sweep);
        assertEquals(0, cpu.exit(), cpu.err());
        assertEquals(Files.readString(Launcher.root().resolve("environment/glibc-tunables")).strip(), tunables(cpu),
                "the CPU build: one arena that keeps its memory");
        // MERLAB_CUDA=1 picks the settings at launch; the jars stay the ones built (MERLAB_SKIP_SETUP), so this trains on the CPU
        Launcher.Result gpu = Launcher.run(unset, Map.of("MERLAB_CUDA", "1"), sweep);
        assertEquals(0, gpu.exit(), gpu.err());
        String gpuTunables = Files.readString(Launcher.root().resolve("environment/glibc-tunables-gpu")).strip();
        assertEquals(gpuTunables, tunables(gpu));
        assertFalse(gpuTunables.contains("arena_max"), gpuTunables);
        Launcher.Result own = Launcher.run(unset, Map.of("MERLAB_CUDA", "1", "GLIBC_TUNABLES", ""), sweep);
        assertEquals(0, own.exit(), own.err());
        assertEquals("", tunables(own), "a user's own setting, empty included, wins");
    }

    /** MERLAB_THREADS sets libtorch's threads for the launcher's Java commands, as for the notebooks; -Dmerlab.threads wins. */
    @Test
    void theThreadsVariableReachesTheJavaCommands() throws Exception {
        String[] sweep = cheapSweep("sim-threads");
        List<String> unset = List.of("MERLAB_THREADS", "MERLAB_JAVA_OPTS");
        for (String n : List.of("1", "2")) {
            Launcher.Result r = Launcher.run(unset, Map.of("MERLAB_THREADS", n), sweep);
            assertEquals(0, r.exit(), r.err());
            assertEquals(Integer.parseInt(n), threads(r), "MERLAB_THREADS=" + n);
        }
        Launcher.Result own = Launcher.run(unset, Map.of("MERLAB_THREADS", "2", "MERLAB_JAVA_OPTS", "-Dmerlab.threads=1"), sweep);
        assertEquals(0, own.exit(), own.err());
        assertEquals(1, threads(own), "-Dmerlab.threads in MERLAB_JAVA_OPTS wins");
    }

    /** A small MER-SIM in {@code name}, and the cheapest Java command over it whose JSON says how it ran: a 1-layer sweep. */
    private String[] cheapSweep(String name) throws Exception {
        Path sim = dir.resolve(name);
        assertEquals(0, Launcher.run("sim", "--out", sim.toString(), "--train", "200", "--test", "40", "-q").exit());
        return new String[] {"bench", "sweep", "--epochs", "1", "--layers", "1", "--width", "4", "--data", sim.toString()};
    }

    private static int threads(Launcher.Result r) throws java.io.IOException {
        return JSON.readTree(r.out().substring(r.out().indexOf("\n{") + 1)).get("threads").asInt();
    }

    private static String tunables(Launcher.Result r) throws java.io.IOException {
        JsonNode json = JSON.readTree(r.out().substring(r.out().indexOf("\n{") + 1));
        return json.get("speed_settings").path("GLIBC_TUNABLES").asText("");
    }

    /** Whether setup built the library that lifts MKL's vendor check (it needs a C compiler). */
    private static final boolean MKL_LIFTED = Files.isRegularFile(Launcher.root().resolve("environment/mkl/target/libmkl-vendor-check.so"));

    private static boolean cpuHasAvx512() throws java.io.IOException {
        String flags = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("flags")).findFirst().orElse("");
        return List.of("avx512f", "avx512bw", "avx512dq", "avx512vl").stream().allMatch(f -> (" " + flags + " ").contains(" " + f + " "));
    }

    @Test
    void benchSweepTimesTheLayerSweepAgainstOneOfItsConfigs() throws Exception {
        Path sim = dir.resolve("sim-sweep");
        assertEquals(0, Launcher.run("sim", "--out", sim.toString(), "--train", "200", "--test", "40", "-q").exit());
        Launcher.Result r = Launcher.run("bench", "sweep", "--epochs", "1", "--layers", "3", "--width", "4",
                "--dropout-chunk", "4", "--data", sim.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode json = JSON.readTree(r.out().substring(r.out().indexOf("\n{") + 1));
        JsonNode one = json.get("one_config");
        JsonNode sweep = json.get("sweep");
        assertEquals("hl-L02", one.get("what").asText(), "the last layer stands for the sweep when HL18 is not in it");
        assertEquals(5, one.get("models").asInt(), "5 folds x 1 seed");
        assertEquals(15, sweep.get("models").asInt(), "3 layers x 5 folds");
        assertEquals("4", json.get("dropout_chunk").asText());
        assertEquals("libtorch, chunks of 4", json.get("dropout_draws").asText(), "chunks are libtorch's draws");
        assertEquals(4, json.get("width").asInt());
        assertEquals(sweep.get("training_seconds").asDouble() / one.get("training_seconds").asDouble(),
                json.get("ratio_training").asDouble(), 1e-12);
        assertTrue(r.out().contains("sweep / one config:"), r.out());
        // the arithmetic: every layer's model is the same and trains on the same folds, so the sweep does three
        // times the one config's; GFLOP/s against the peak measured in the same call
        double peak = json.get("matmul_peak_gflops").asDouble();
        assertTrue(peak > 0 && json.get("macs_per_sample").asLong() > 0, json.toString());
        double oneFlops = one.get("gflops").asDouble() * one.get("training_seconds").asDouble();
        double sweepFlops = sweep.get("gflops").asDouble() * sweep.get("training_seconds").asDouble();
        assertEquals(3 * oneFlops, sweepFlops, 1e-9 * sweepFlops);
        assertEquals(sweep.get("gflops").asDouble() / peak, sweep.get("fraction_of_peak").asDouble(), 1e-12);
        assertTrue(r.out().contains("GFLOP/s"), r.out());
    }

    /**
     * SIGTERM (what {@code timeout}, a batch system or a closing terminal sends) stops a training cleanly: the JVM
     * does not crash, the message says how to resume, and the same command resumes from the stack's checkpoint with
     * the numbers of a run never stopped. The race behind the one crash seen on SIGTERM (the main thread freed the
     * feature arrays while a stack's batch still read them) is too narrow to hit here on demand; ConcurrentlyTest
     * pins its cause, this test the whole path around it.
     */
    @Test
    void aRunStoppedBySigtermEndsCleanlyAndTheSameCommandResumes() throws Exception {
        Path sim = dir.resolve("sim-stop");
        assertEquals(0, Launcher.run("sim", "--out", sim.toString(), "--train", "1000", "--test", "40", "-q").exit());
        Map<String, String> often = Map.of("MERLAB_JAVA_OPTS", "-Dmerlab.checkpoint.minutes=0.01"); // a save every 0.6 s
        Path stopped = dir.resolve("stopped");
        String[] run = {"run", "experiments/hl.json", "--profile", "default", "--data", sim.toString(), "--out", stopped.toString()};
        Path log = dir.resolve("stopped.log");
        Process p = Launcher.start(log, often, run);
        Path checkpoint = stopped.resolve("hl/default/.checkpoint");
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.isDirectory(checkpoint) && p.isAlive() && System.nanoTime() < until) Thread.sleep(20);
        assertTrue(p.isAlive(), "the run ended before its first checkpoint:\n" + Files.readString(log));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "SIGTERM ended the run");
        String first = Files.readString(log);
        assertFalse(first.contains("fatal error") || first.contains("SIGSEGV"), first);
        assertTrue(first.contains("interrupted;") && first.contains("run the same command again to resume"), first);
        assertEquals(143, p.exitValue(), "the exit status of a JVM ended by SIGTERM:\n" + first);

        Launcher.Result resumed = Launcher.run(often, run);
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.err().contains("resumed 10 models from the training checkpoint"), resumed.err());
        Path whole = dir.resolve("whole");
        String[] uninterrupted = run.clone();
        uninterrupted[uninterrupted.length - 1] = whole.toString();
        assertEquals(0, Launcher.run(uninterrupted).exit());
        assertEquals(JSON.readTree(whole.resolve("hl/default/metrics.json").toFile()).get("metrics"),
                JSON.readTree(stopped.resolve("hl/default/metrics.json").toFile()).get("metrics"),
                "stopped and resumed, the same metrics as a run never stopped");
    }

    @Test
    void missingPredictionsAreAOneLineError() throws Exception {
        List<String> rows = Files.readAllLines(SCORE_FIXTURES.resolve("pred.csv"));
        Path partial = dir.resolve("partial.csv");
        Files.write(partial, rows.subList(0, rows.size() - 2));
        Launcher.Result r = Launcher.run("score", "--labels", SCORE_FIXTURES.resolve("labels.csv").toString(), "--pred", partial.toString());
        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
        assertTrue(r.err().contains(partial + ": 2 labelled samples have no prediction"), r.err());
    }

    @Test
    void unknownNamesAreAOneLineError() throws Exception {
        Path extra = dir.resolve("extra.csv");
        Files.writeString(extra, Files.readString(SCORE_FIXTURES.resolve("pred.csv")) + "sample_99999999,happy,1.0\n");
        Launcher.Result r = Launcher.run("score", "--labels", SCORE_FIXTURES.resolve("labels.csv").toString(), "--pred", extra.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("1 predicted names are not in the labels (first: sample_99999999)"), r.err());
    }

    @Test
    void badDataFilesNameTheFile() throws Exception {
        Path bad = dir.resolve("labels.csv");
        Files.writeString(bad, "name,discrete,valence\na,elated,1\n");
        Launcher.Result r = Launcher.run("score", "--labels", bad.toString(), "--pred", bad.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("merlab score: " + bad + ": unknown emotion label 'elated'"), r.err());
        assertFalse(r.err().contains("at org."), "no stack trace");
    }

    @Test
    void helpListsTheCommands() throws Exception {
        Launcher.Result r = Launcher.run("--help");
        assertEquals(0, r.exit(), r.err());
        for (String c : List.of("reproduce", "test", "sim", "score")) assertTrue(r.out().contains(c), c + " in " + r.out());
        Launcher.Result sim = Launcher.run("sim", "--help");
        assertTrue(sim.out().contains("--seed"), sim.out());
    }
}
