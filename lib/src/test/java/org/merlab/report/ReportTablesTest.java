package org.merlab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.merlab.data.Emotion;
import org.merlab.data.Label;
import org.merlab.data.LabelSet;
import org.merlab.data.Split;
import org.merlab.train.AttentionSummary;
import org.merlab.train.EpochStats;
import org.merlab.train.ExperimentRunner.RunResult;
import org.merlab.train.FoldResult;
import org.merlab.train.FoldSummary;
import org.merlab.train.Score;
import org.merlab.train.SeedResult;
import org.merlab.train.SplitPredictions;
import org.merlab.train.SplitSummary;
import tech.tablesaw.api.Table;

class ReportTablesTest {
    /** Two folds of three samples each; fold k's attention is [k, 1-k] and μ kept = μ start + k. */
    static RunResult run(String name, double cvF1, double cvMse) {
        List<FoldResult> folds = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            int[] cls = {0, 1, 2};
            double[] val = {0.0, -2.5, 1.75};
            float[][] logits = new float[3][6];
            for (int i = 0; i < 3; i++) logits[i][k == 0 ? cls[i] : (cls[i] + 1) % 6] = 5f; // fold 0 right, fold 1 wrong
            float[] pv = {0.5f, -2f, 1f};
            SplitPredictions held = new SplitPredictions("train", List.of("a" + k, "b" + k, "c" + k), new int[] {0, 1, 2}, cls, val, logits, pv);
            List<EpochStats> curves = List.of(new EpochStats(1, 2.0, 0.4 + k * 0.1, 0.5, 1.5, 0.025, 1.0, 1.2, 0.1),
                    new EpochStats(2, 1.5, 0.6, 0.6, 1.0, 0.35, 0.9, 1.4, 0.1));
            AttentionSummary a = new AttentionSummary(List.of("HL18", "RF"), new double[] {k, 1 - k},
                    new LinkedHashMap<>(Map.of("angry", new double[] {k, 1 - k})), Map.of("angry", 1));
            float[] mu0 = {0f, -2.5f, 1.8f, -2.4f, -1f, -0.4f};
            float[] mu1 = mu0.clone();
            for (int c = 0; c < 6; c++) mu1[c] += k;
            FoldSummary s = new FoldSummary(name, 0, k, 2, 10, 3, 2, 2, 2, false, Score.combine(cvF1, cvF1, cvMse), curves,
                    Map.of("alpha", a), mu0, mu1, 1.0, "cpu");
            folds.add(new FoldResult(s, held, Map.of()));
        }
        Score cv = Score.combine(cvF1, cvF1, cvMse);
        Score t1 = Score.combine(cvF1 - 0.01, cvF1, cvMse + 0.1);
        SeedResult seed = new SeedResult(0, folds, cv, Map.of(), Map.of());
        Map<String, SplitSummary> metrics = new LinkedHashMap<>();
        Score zero = new Score(0.0, 0.0, 0.0, 0.0);
        metrics.put("cv", new SplitSummary(cv, zero, List.of(new SplitSummary.SeedScore(0, cvF1, cvF1, cvMse, cv.combined())), null));
        metrics.put("test1", new SplitSummary(t1, zero, List.of(new SplitSummary.SeedScore(0, t1.weightedF1(), cvF1, t1.mse(), t1.combined())), t1));
        return new RunResult(name, false, Path.of("."), metrics, List.of(seed), 2, 0, 1.0, null);
    }

    @Test
    void headlinePutsThePublishedRowBesideOurs() {
        Table t = Tables.headline("h", "MER-SIM (synthetic)", List.of(run("hl", 0.6, 1.2), run("my-own", 0.7, 1.0)));
        assertEquals(2, t.rowCount());
        assertEquals(60.0, t.doubleColumn("CV F1 %").getDouble(0), 1e-9);
        assertEquals(0.6 - 0.3, t.doubleColumn("CV combined").getDouble(0), 1e-9);
        assertEquals(65.67, t.doubleColumn("paper CV F1 %").getDouble(0), 1e-9);
        assertEquals(0.36, t.doubleColumn("paper MER-MULTI combined").getDouble(0), 1e-9);
        assertTrue(Double.isNaN(t.doubleColumn("paper CV F1 %").getDouble(1)), "no published row for my-own");
        assertEquals("MER-SIM (synthetic)", t.stringColumn("dataset").get(1));
        assertEquals(59.0, t.doubleColumn("MER-MULTI F1 %").getDouble(0), 1e-9);
    }

    @Test
    void splitsListEverySplitWithItsMerName() {
        Table t = Tables.splits("s", List.of(run("hl", 0.6, 1.2)));
        assertEquals(List.of("Train&Val 5-fold CV", "MER-MULTI (test1)"), t.stringColumn("split").asList());
    }

    @Test
    void layerSweepSpreadsOverFoldsWithOneSeed() {
        Table t = Tables.layerSweep(List.of(18, 19), List.of(run("hl-L18", 0.6, 1.2), run("hl-L19", 0.7, 1.0)));
        assertEquals(List.of(18, 19), t.intColumn("layer").asList());
        assertEquals("folds", t.stringColumn("spread over").get(0));
        assertEquals(0.0, t.doubleColumn("CV F1 spread").getDouble(0), 1e-9); // both folds have the same held-out F1 here
    }

    @Test
    void curvesAverageOverFolds() {
        Table t = Tables.curves(run("s1", 0.6, 1.2));
        assertEquals(2, t.rowCount());
        assertEquals(45.0, t.doubleColumn("held-out F1 %").getDouble(0), 1e-9); // (0.4 + 0.5) / 2
        assertEquals(1.2, t.doubleColumn("sigma_v").getDouble(0), 1e-9);
        assertEquals(3.5, t.doubleColumn("train loss").asList().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
    }

    @Test
    void attentionAveragesOverFoldsWithoutTouchingTheResults() {
        RunResult r = run("s2", 0.6, 1.2);
        AttentionSummary a = Tables.attention(r).get("alpha");
        assertEquals(0.5, a.mean()[0], 1e-9);
        assertEquals(0.5, a.perClass().get("angry")[1], 1e-9);
        assertEquals(1.0, r.seeds().get(0).folds().get(1).summary().attention().get("alpha").mean()[0], 1e-9, "inputs untouched");
        Table t = Tables.attentionTable("x", a);
        assertEquals(List.of("all", "angry"), t.stringColumn("class").asList());
        assertEquals(List.of("class", "HL18", "RF"), t.columnNames());
    }

    @Test
    void outOfFoldConcatenatesTheFoldsAndConfusionCountsThem() {
        SplitPredictions oof = Tables.outOfFold(run("s1", 0.6, 1.2).seeds().get(0));
        assertEquals(6, oof.size());
        Table cm = Tables.confusion("c", oof);
        assertEquals(6, cm.rowCount());
        assertEquals(1, cm.intColumn("neutral").get(0)); // fold 0: neutral -> neutral
        assertEquals(1, cm.intColumn("angry").get(0));   // fold 1: neutral -> angry
        assertTrue(Figures.confusion("c", oof).asJavascript("d").contains("heatmap"));
    }

    @Test
    void anchorsSitBesideTheClassMeans() {
        List<String> names = List.of("x1", "x2", "x3", "x4");
        List<Label> labels = List.of(new Label(Emotion.ANGRY, -3), new Label(Emotion.ANGRY, -2), new Label(Emotion.HAPPY, 2),
                new Label(Emotion.NEUTRAL, 0));
        LabelSet train = LabelSet.of(Split.TRAIN, names, labels, null);
        Table t = Tables.anchors(run("s1", 0.6, 1.2), train);
        assertEquals(-2.5, t.doubleColumn("class mean valence (train)").getDouble(1), 1e-9);
        assertEquals(-2.5, t.doubleColumn("mu at start").getDouble(1), 1e-6);
        assertEquals(-2.0, t.doubleColumn("mu kept").getDouble(1), 1e-6); // mean of +0 and +1
        assertTrue(Double.isNaN(t.doubleColumn("class mean valence (train)").getDouble(3)), "no sad sample");
        Table v = Tables.valenceByClass(train);
        assertEquals(2, v.intColumn("n").get(1));
        assertEquals(0.5, v.doubleColumn("std").getDouble(1), 1e-9);
    }

    @Test
    void roundKeepsNaN() {
        Table t = Tables.headline("h", "MER 2023", List.of(run("x", 0.123456789, 1.0)));
        Tables.round(t, 2);
        assertEquals(12.35, t.doubleColumn("CV F1 %").getDouble(0), 1e-12);
        assertTrue(Double.isNaN(t.doubleColumn("paper CV F1 %").getDouble(0)));
    }

    @Test
    void studyReadsTheEnvironmentAndWritesCsv(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("experiments"));
        Files.createDirectories(dir.resolve("lib"));
        Map<String, String> env = Map.of("MERLAB_PROFILE", "quick", "MERLAB_RESULTS", dir.resolve("res").toString(),
                "MERLAB_DATA", dir.toString(), "MERLAB_ROOT", dir.toString());
        String before = System.getProperty("merlab.home");
        Study s = Study.open("01-unimodal", env);
        if (before != null) System.setProperty("merlab.home", before); else System.clearProperty("merlab.home");
        assertTrue(s.quick());
        assertEquals("MER 2023", s.datasetLabel(), "no MER-SIM manifest: real data");
        assertEquals(dir.resolve("res/tables/quick/01-unimodal"), s.tablesDir());
        Table t = s.save(Tables.headline("h", s.datasetLabel(), List.of(run("hl", 0.6, 1.2))), "headline");
        Table back = Table.read().csv(s.tablesDir().resolve("headline.csv").toFile());
        assertEquals(1, back.rowCount());
        assertEquals(60.0, back.numberColumn("CV F1 %").getDouble(0), 1e-9);
        assertEquals(t.columnCount(), back.columnCount());
    }
}
