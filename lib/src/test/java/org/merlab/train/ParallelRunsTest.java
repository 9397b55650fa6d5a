package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;

/**
 * Independent configs trained at once ({@code -Dmerlab.parallel=N}, for an idle GPU): every model's numbers are bit
 * for bit those of the run that trains one config after another, dropout on, for a fusion structure, a unimodal
 * config and a two-layer sweep, with a decision fusion of two of them after.
 */
class ParallelRunsTest {

    @TempDir
    static Path tmp;
    static Path data;
    static List<Path> configs;

    @BeforeAll
    static void makeDataset() throws IOException {
        data = TinySim.write(tmp);
        Path dir = Files.createDirectories(tmp.resolve("configs"));
        String model = "\"d\": 16, \"hidden\": 32, \"dropout\": 0.3";
        String protocol = "\"protocol\": {\"epochs\": 4, \"learningRate\": 0.003, \"seeds\": [0, 1]}";
        configs = List.of(
                write(dir, "par-s2", "{\"name\": \"par-s2\", \"features\": [[\"HL18\", \"RF\", \"MR\"]], \"model\": {\"structure\":"
                        + " \"flat\", \"decoder\": \"gated\", " + model + "}, \"loss\": {\"kind\": \"uncertainty\"}, " + protocol + "}"),
                write(dir, "par-uni", "{\"name\": \"par-uni\", \"features\": [[\"MR\"]], \"model\": {\"structure\": \"unimodal\","
                        + " \"decoder\": \"joint\", " + model + "}, \"loss\": {\"kind\": \"fixed\"}, " + protocol + "}"),
                write(dir, "par-18", "{\"name\": \"par-18\", \"features\": [[\"HL18\"]], \"model\": {\"structure\": \"unimodal\","
                        + " \"decoder\": \"separate\", " + model + "}, \"loss\": {\"kind\": \"fixed\"}, " + protocol + "}"),
                write(dir, "par-20", "{\"name\": \"par-20\", \"features\": [[\"HL20\"]], \"model\": {\"structure\": \"unimodal\","
                        + " \"decoder\": \"separate\", " + model + "}, \"loss\": {\"kind\": \"fixed\"}, " + protocol + "}"),
                write(dir, "par-fused", "{\"name\": \"par-fused\", \"fusion\": {\"members\": [\"par-s2.json\", \"par-uni.json\"]}}"));
    }

    private static Path write(Path dir, String name, String json) throws IOException {
        Path p = dir.resolve(name + ".json");
        Files.writeString(p, json);
        return p;
    }

    /** One run's folds, its results, and the threads that trained. */
    record Outcome(BatchedCompactionTest.Run run, List<ExperimentRunner.RunResult> results, Set<Long> threads) {}

    /** Runs {@code body} with {@value TrainingSchedule#PARALLEL_PROPERTY} set to {@code value} (null: unset), then restores it. */
    private static <T> T withParallelism(String value, java.util.function.Supplier<T> body) {
        String before = System.getProperty(TrainingSchedule.PARALLEL_PROPERTY);
        try {
            if (value == null) System.clearProperty(TrainingSchedule.PARALLEL_PROPERTY);
            else System.setProperty(TrainingSchedule.PARALLEL_PROPERTY, value);
            return body.get();
        } finally {
            if (before == null) System.clearProperty(TrainingSchedule.PARALLEL_PROPERTY);
            else System.setProperty(TrainingSchedule.PARALLEL_PROPERTY, before);
        }
    }

    private static Outcome run(String parallel, String out) {
        Map<String, FoldResult> folds = new ConcurrentHashMap<>();
        Set<Long> threads = ConcurrentHashMap.newKeySet();
        RunListener l = new RunListener() {
            @Override
            public void onFoldStart(String experiment, long seed, int fold, int epochs) {
                threads.add(Thread.currentThread().getId());
            }

            @Override
            public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                if (!reused) folds.put(experiment + " " + seed + "/" + fold, r);
            }
        };
        List<ExperimentRunner.RunResult> results = withParallelism(parallel, () -> ExperimentRunner.runSweep(configs,
                new ExperimentRunner.Options(tmp.resolve(out), data, Profile.PAPER, false, l)));
        return new Outcome(new BatchedCompactionTest.Run(new TreeMap<>(folds), 0, 0), results, threads);
    }

    @Test
    void configsTrainedAtOnceKeepEveryModelsNumbers() {
        Outcome serial = run("1", "serial");
        Outcome parallel = run("3", "parallel");
        assertEquals(4 * 10, serial.run().folds().size(), "4 configs x 2 seeds x 5 folds");
        assertEquals(1, serial.threads().size(), "one config after another");
        assertTrue(parallel.threads().size() >= 2, "trained on " + parallel.threads().size() + " threads");
        BatchedCompactionTest.assertSameResults(serial.run(), parallel.run());
        // the fusion, run after its members finished, fuses the same predictions
        ExperimentRunner.RunResult a = serial.results().get(4);
        ExperimentRunner.RunResult b = parallel.results().get(4);
        assertTrue(a.fusion() && b.fusion());
        assertEquals(a.metrics().get("cv").mean().weightedF1(), b.metrics().get("cv").mean().weightedF1(), 0.0);
        assertEquals(a.metrics().get("cv").mean().mse(), b.metrics().get("cv").mean().mse(), 0.0);
        assertEquals(0, b.foldsTrained(), "the fusion's members were trained before it, not again");
    }

    @Test
    void theCostliestConfigsStartFirst() {
        // listed: par-s2 (flat fusion of three features), par-uni (one feature), the sweep par-18 + par-20 (one feature
        // each, one group); costliest first: par-s2, the sweep (two models per fold), par-uni. On two threads par-uni
        // waits for a thread; in the order listed it would start at once, beside par-s2.
        long uni = TrainingSchedule.trainingCost(ExperimentConfigs.read(configs.get(1)), Profile.PAPER);
        long sweep = 2 * TrainingSchedule.trainingCost(ExperimentConfigs.read(configs.get(2)), Profile.PAPER);
        long s2 = TrainingSchedule.trainingCost(ExperimentConfigs.read(configs.get(0)), Profile.PAPER);
        assertTrue(s2 > sweep && sweep > uni, s2 + " > " + sweep + " > " + uni);
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        RunListener l = new RunListener() {
            @Override
            public void onFoldStart(String experiment, long seed, int fold, int epochs) {
                events.add("start " + experiment);
            }

            @Override
            public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                events.add("end " + experiment);
            }
        };
        withParallelism("2", () -> ExperimentRunner.runSweep(configs.subList(0, 4),
                new ExperimentRunner.Options(tmp.resolve("order"), data, Profile.PAPER, false, l)));
        int firstEnd = events.indexOf(events.stream().filter(e -> e.startsWith("end ")).findFirst().orElseThrow());
        assertTrue(events.indexOf("start par-s2") < firstEnd && events.indexOf("start par-18") < firstEnd, events.toString());
        assertTrue(events.indexOf("start par-uni") > firstEnd, "par-uni waited for a thread: " + events);
    }

    @Test
    void aConfigListedTwiceTrainsOnce() {
        List<Path> twice = List.of(configs.get(2), configs.get(3), configs.get(2));
        List<ExperimentRunner.RunResult> r = ExperimentRunner.runSweep(twice,
                new ExperimentRunner.Options(tmp.resolve("twice"), data, Profile.PAPER, false, null));
        assertEquals(3, r.size());
        assertTrue(r.get(0) == r.get(2), "the repeat is the first run's result");
        assertEquals(10, r.get(0).foldsTrained());
    }

    @Test
    void aGpuTrainsFourConfigsAtOnceByDefaultACpuOne() {
        assertEquals(4, TrainingSchedule.defaultParallelism(ai.djl.Device.gpu()));
        assertEquals(1, TrainingSchedule.defaultParallelism(ai.djl.Device.cpu()));
        withParallelism(null, () -> {
            if (System.getenv("MERLAB_PARALLEL") == null) {
                assertEquals(TrainingSchedule.defaultParallelism(ComputeDevice.device()), TrainingSchedule.parallelism());
            }
            return null;
        });
        assertEquals(2, (int) withParallelism(" 2 ", TrainingSchedule::parallelism), "a setting wins over the device's default");
    }

    @Test
    void aBadParallelismIsRejected() {
        withParallelism("0", () -> assertThrows(IllegalArgumentException.class, TrainingSchedule::parallelism));
    }
}
