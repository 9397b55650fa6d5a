package org.merlab.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.merlab.data.Emotion;
import org.merlab.data.FeatureName;
import org.merlab.data.LabelSet;
import org.merlab.data.MerDataset;
import org.merlab.data.Npy;
import org.merlab.data.NpyArray;
import org.merlab.data.Split;
import org.merlab.metrics.MerScore;
import org.merlab.train.AttentionSummary;
import org.merlab.train.EpochStats;
import org.merlab.train.ExperimentRunner.RunResult;
import org.merlab.train.FoldResult;
import org.merlab.train.Score;
import org.merlab.train.SeedResult;
import org.merlab.train.SplitPredictions;
import org.merlab.train.SplitSummary;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Tablesaw tables for the notebooks: ours beside the published figures (data.md), per-split,
 * per-epoch, attention, valence and dataset tables. Fractions are shown as percents where the
 * papers print percents (F1); MSE on the raw [−5, 5] scale.
 */
public final class Tables {
    /** Published MER 2023 train class counts (data.md), index order. */
    public static final int[] MER2023_TRAIN_COUNTS = {871, 822, 689, 383, 462, 146};
    /** Published MER 2023 test1 class counts (data.md), index order. */
    public static final int[] MER2023_TEST1_COUNTS = {88, 105, 93, 50, 57, 18};
    /** Published MER 2023 per-class mean train valence (data.md), index order. */
    public static final double[] MER2023_CLASS_VALENCE = {-0.08, -2.50, 1.77, -2.37, -1.01, -0.41};

    private Tables() {}

    /** Rounds every double column in place to {@code digits} decimals (NaN stays NaN); returns the table. */
    public static Table round(Table t, int digits) {
        double f = Math.pow(10, digits);
        for (var c : t.columns()) {
            if (c instanceof DoubleColumn d) {
                for (int i = 0; i < d.size(); i++) {
                    double x = d.getDouble(i);
                    if (Double.isFinite(x)) d.set(i, Math.round(x * f) / f);
                }
            }
        }
        return t;
    }

    private static double pct(Double d) {
        return d == null ? Double.NaN : 100 * d;
    }

    private static double v(Double d) {
        return Score.value(d);
    }

    /**
     * The headline table: one row per run, our CV and MER-MULTI (test1) figures (mean over seeds, std
     * over seeds) beside the published row where one exists ({@link PaperFigures}).
     */
    public static Table headline(String title, String datasetLabel, List<RunResult> runs) {
        StringColumn exp = StringColumn.create("experiment");
        StringColumn ds = StringColumn.create("dataset");
        IntColumn seeds = IntColumn.create("seeds");
        DoubleColumn f1 = DoubleColumn.create("CV F1 %"), f1s = DoubleColumn.create("CV F1 std"), mse = DoubleColumn.create("CV MSE"),
                comb = DoubleColumn.create("CV combined"), tf1 = DoubleColumn.create("MER-MULTI F1 %"), tmse = DoubleColumn.create("MER-MULTI MSE"),
                tcomb = DoubleColumn.create("MER-MULTI combined"), pf1 = DoubleColumn.create("paper CV F1 %"),
                pmse = DoubleColumn.create("paper CV MSE"), pcomb = DoubleColumn.create("paper CV combined"),
                ptf1 = DoubleColumn.create("paper MER-MULTI F1 %"), ptcomb = DoubleColumn.create("paper MER-MULTI combined");
        StringColumn src = StringColumn.create("published in");
        for (RunResult r : runs) {
            exp.append(r.name());
            ds.append(datasetLabel);
            SplitSummary cv = r.metrics().get("cv");
            seeds.append(cv.perSeed().size());
            f1.append(pct(cv.mean().weightedF1()));
            f1s.append(pct(cv.std().weightedF1()));
            mse.append(v(cv.mean().mse()));
            comb.append(v(cv.mean().combined()));
            SplitSummary t = r.metrics().get("test1");
            tf1.append(t == null ? Double.NaN : pct(t.mean().weightedF1()));
            tmse.append(t == null ? Double.NaN : v(t.mean().mse()));
            tcomb.append(t == null ? Double.NaN : v(t.mean().combined()));
            PaperFigure p = PaperFigures.forExperiment(r.name()).orElse(null);
            pf1.append(p == null ? Double.NaN : 100 * p.cvF1());
            pmse.append(p == null ? Double.NaN : p.cvMse());
            pcomb.append(p == null ? Double.NaN : p.cvCombined());
            ptf1.append(p == null ? Double.NaN : 100 * p.test1F1());
            ptcomb.append(p == null ? Double.NaN : p.test1Combined());
            src.append(p == null ? "" : p.source());
        }
        return Table.create(title, exp, ds, seeds, f1, f1s, mse, comb, tf1, tmse, tcomb, pf1, pmse, pcomb, ptf1, ptcomb, src);
    }

    /** Per run, per split (cv, test1 = MER-MULTI, test2 = MER-NOISE): F1 %, accuracy %, MSE, combined (means over seeds). */
    public static Table splits(String title, List<RunResult> runs) {
        StringColumn exp = StringColumn.create("experiment"), split = StringColumn.create("split");
        DoubleColumn f1 = DoubleColumn.create("F1 %"), acc = DoubleColumn.create("accuracy %"), mse = DoubleColumn.create("MSE"),
                comb = DoubleColumn.create("combined"), combStd = DoubleColumn.create("combined std");
        for (RunResult r : runs) {
            for (Map.Entry<String, SplitSummary> e : r.metrics().entrySet()) {
                exp.append(r.name());
                split.append(splitName(e.getKey()));
                f1.append(pct(e.getValue().mean().weightedF1()));
                acc.append(pct(e.getValue().mean().accuracy()));
                mse.append(v(e.getValue().mean().mse()));
                comb.append(v(e.getValue().mean().combined()));
                combStd.append(v(e.getValue().std().combined()));
            }
        }
        return Table.create(title, exp, split, f1, acc, mse, comb, combStd);
    }

    public static String splitName(String id) {
        return switch (id) {
            case "cv" -> "Train&Val 5-fold CV";
            case "test1" -> "MER-MULTI (test1)";
            case "test2" -> "MER-NOISE (test2)";
            case "test3" -> "MER-SEMI (test3)";
            default -> id;
        };
    }

    /** Out-of-fold predictions of one seed (all folds' held-out parts, concatenated). */
    public static SplitPredictions outOfFold(SeedResult seed) {
        List<String> names = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        List<Integer> tc = new ArrayList<>();
        List<Double> tv = new ArrayList<>();
        List<float[]> logits = new ArrayList<>();
        List<Float> val = new ArrayList<>();
        for (FoldResult f : seed.folds()) {
            SplitPredictions h = f.heldOut();
            for (int i = 0; i < h.size(); i++) {
                names.add(h.names().get(i));
                rows.add(h.rows()[i]);
                tc.add(h.trueClass()[i]);
                tv.add(h.trueValence()[i]);
                logits.add(h.logits()[i]);
                val.add(h.valence()[i]);
            }
        }
        int n = names.size();
        int[] r = new int[n], c = new int[n];
        double[] t = new double[n];
        float[][] l = new float[n][];
        float[] vv = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = rows.get(i);
            c[i] = tc.get(i);
            t[i] = tv.get(i);
            l[i] = logits.get(i);
            vv[i] = val.get(i);
        }
        return new SplitPredictions("train", names, r, c, t, l, vv);
    }

    /** Out-of-fold figures of the first seed of each run, with the valence-specific ones (MAE, Pearson r) and macro F1. */
    public static Table valenceAndClasses(String title, List<RunResult> runs) {
        StringColumn exp = StringColumn.create("experiment");
        DoubleColumn f1 = DoubleColumn.create("OOF F1 %"), mf1 = DoubleColumn.create("OOF macro F1 %"), mse = DoubleColumn.create("OOF MSE"),
                mae = DoubleColumn.create("OOF MAE"), r = DoubleColumn.create("OOF Pearson r"), comb = DoubleColumn.create("CV combined"),
                tcomb = DoubleColumn.create("MER-MULTI combined");
        for (RunResult run : runs) {
            MerScore s = outOfFold(run.seeds().get(0)).score();
            exp.append(run.name());
            f1.append(100 * s.weightedF1());
            mf1.append(100 * s.macroF1());
            mse.append(s.mse());
            mae.append(s.mae());
            r.append(s.pearsonR());
            comb.append(v(run.metrics().get("cv").mean().combined()));
            SplitSummary t = run.metrics().get("test1");
            tcomb.append(t == null ? Double.NaN : v(t.mean().combined()));
        }
        return Table.create(title, exp, f1, mf1, mse, mae, r, comb, tcomb);
    }

    /** Per-epoch curves of a run averaged over its folds and seeds (folds that ran fewer epochs count where they ran). */
    public static Table curves(RunResult run) {
        TreeMap<Integer, double[]> acc = new TreeMap<>(); // epoch -> sums: loss f1 mse comb se sv, counts n, nσ
        for (SeedResult s : run.seeds()) {
            for (FoldResult f : s.folds()) {
                for (EpochStats e : f.summary().curves()) {
                    double[] a = acc.computeIfAbsent(e.epoch(), k -> new double[8]);
                    a[0] += e.trainLoss();
                    a[1] += e.heldOutWeightedF1();
                    a[2] += e.heldOutMse();
                    a[3] += e.heldOutCombined();
                    a[6]++;
                    if (e.sigmaE() != null && e.sigmaV() != null) {
                        a[4] += e.sigmaE();
                        a[5] += e.sigmaV();
                        a[7]++;
                    }
                }
            }
        }
        IntColumn ep = IntColumn.create("epoch");
        DoubleColumn loss = DoubleColumn.create("train loss"), f1 = DoubleColumn.create("held-out F1 %"), mse = DoubleColumn.create("held-out MSE"),
                comb = DoubleColumn.create("held-out combined"), se = DoubleColumn.create("sigma_e"), sv = DoubleColumn.create("sigma_v");
        acc.forEach((e, a) -> {
            ep.append(e);
            loss.append(a[0] / a[6]);
            f1.append(100 * a[1] / a[6]);
            mse.append(a[2] / a[6]);
            comb.append(a[3] / a[6]);
            se.append(a[7] == 0 ? Double.NaN : a[4] / a[7]);
            sv.append(a[7] == 0 ? Double.NaN : a[5] / a[7]);
        });
        return Table.create(run.name() + ": per-epoch means over folds and seeds", ep, loss, f1, mse, comb, se, sv);
    }

    /** The attention arrays of a run's kept epochs, averaged over folds and seeds: key -> (inputs, overall, per class). */
    public static Map<String, AttentionSummary> attention(RunResult run) {
        Map<String, AttentionSummary> out = new java.util.LinkedHashMap<>();
        Map<String, Integer> n = new java.util.HashMap<>();
        for (SeedResult s : run.seeds()) {
            for (FoldResult f : s.folds()) {
                for (Map.Entry<String, AttentionSummary> e : f.summary().attention().entrySet()) {
                    AttentionSummary a = e.getValue();
                    AttentionSummary sum = out.get(e.getKey());
                    if (sum == null) {
                        Map<String, double[]> pc = new java.util.LinkedHashMap<>();
                        a.perClass().forEach((k, w) -> pc.put(k, w.clone()));
                        out.put(e.getKey(), new AttentionSummary(a.inputs(), a.mean().clone(), pc, new java.util.LinkedHashMap<>(a.count())));
                    } else {
                        add(sum.mean(), a.mean());
                        a.perClass().forEach((k, w) -> {
                            double[] t = sum.perClass().get(k);
                            if (t == null) sum.perClass().put(k, w.clone()); else add(t, w);
                        });
                    }
                    n.merge(e.getKey(), 1, Integer::sum);
                }
            }
        }
        out.forEach((k, a) -> {
            int c = n.get(k);
            scale(a.mean(), c);
            a.perClass().values().forEach(w -> scale(w, c));
        });
        return out;
    }

    private static void add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) a[i] += b[i];
    }

    private static void scale(double[] a, int c) {
        for (int i = 0; i < a.length; i++) a[i] /= c;
    }

    /** One attention array as a table: rows = "all" then each class, columns = its inputs. */
    public static Table attentionTable(String title, AttentionSummary a) {
        StringColumn cls = StringColumn.create("class");
        List<DoubleColumn> cols = new ArrayList<>();
        for (String in : a.inputs()) cols.add(DoubleColumn.create(in));
        cls.append("all");
        for (int j = 0; j < cols.size(); j++) cols.get(j).append(a.mean()[j]);
        a.perClass().forEach((k, w) -> {
            cls.append(k);
            for (int j = 0; j < cols.size(); j++) cols.get(j).append(w[j]);
        });
        Table t = Table.create(title, cls);
        cols.forEach(t::addColumns);
        return t;
    }

    /** Class counts per split beside the published MER 2023 counts. */
    public static Table classCounts(MerDataset ds) {
        StringColumn cls = StringColumn.create("class");
        for (Emotion e : Emotion.values()) cls.append(e.label());
        Table t = Table.create("class counts", cls);
        for (Split s : ds.splits()) {
            IntColumn c = IntColumn.create(s.id());
            int[] counts = counts(ds.labels(s));
            for (int x : counts) c.append(x);
            t.addColumns(c);
        }
        t.addColumns(IntColumn.create("MER 2023 train (published)", MER2023_TRAIN_COUNTS),
                IntColumn.create("MER 2023 test1 (published)", MER2023_TEST1_COUNTS));
        return t;
    }

    private static int[] counts(LabelSet l) {
        int[] c = new int[Emotion.COUNT];
        for (int k : l.classes()) if (k >= 0 && k < c.length) c[k]++;
        return c;
    }

    /** Train valence per class: count, mean, std, min, max, beside the published MER 2023 mean. */
    public static Table valenceByClass(LabelSet train) {
        int[] cls = train.classes();
        double[] val = train.valences();
        StringColumn name = StringColumn.create("class");
        IntColumn n = IntColumn.create("n");
        DoubleColumn mean = DoubleColumn.create("mean valence"), std = DoubleColumn.create("std"), min = DoubleColumn.create("min"),
                max = DoubleColumn.create("max"), pub = DoubleColumn.create("MER 2023 mean (published)");
        for (int k = 0; k < Emotion.COUNT; k++) {
            double s = 0, s2 = 0, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            int c = 0;
            for (int i = 0; i < cls.length; i++) {
                if (cls[i] != k || Double.isNaN(val[i])) continue;
                s += val[i];
                s2 += val[i] * val[i];
                lo = Math.min(lo, val[i]);
                hi = Math.max(hi, val[i]);
                c++;
            }
            double m = c == 0 ? Double.NaN : s / c;
            name.append(Emotion.ofIndex(k).label());
            n.append(c);
            mean.append(m);
            std.append(c == 0 ? Double.NaN : Math.sqrt(Math.max(0, s2 / c - m * m)));
            min.append(c == 0 ? Double.NaN : lo);
            max.append(c == 0 ? Double.NaN : hi);
            pub.append(MER2023_CLASS_VALENCE[k]);
        }
        return Table.create("train valence per class", name, n, mean, std, min, max, pub);
    }

    /** Feature directories: short name, dimension (from the first train sample's file), files per split. */
    public static Table featureInventory(MerDataset ds) {
        StringColumn dir = StringColumn.create("feature directory"), shortName = StringColumn.create("config name"),
                modality = StringColumn.create("modality");
        IntColumn dim = IntColumn.create("dim");
        List<IntColumn> files = new ArrayList<>();
        for (Split s : ds.splits()) files.add(IntColumn.create("files " + s.id()));
        String first = ds.labels(Split.TRAIN).names().get(0);
        List<String> dirs = new ArrayList<>(ds.featureDirectories());
        dirs.sort(java.util.Comparator.comparing(Tables::sortKey));
        for (String d : dirs) {
            dir.append(d);
            shortName.append(shortName(d));
            modality.append(d.startsWith("chinese-hubert") ? "audio" : "visual");
            java.nio.file.Path f = ds.featureDirectory(d).resolve(first + ".npy");
            int k = -1;
            if (java.nio.file.Files.isRegularFile(f)) {
                NpyArray a = Npy.read(f);
                k = a.featureDim();
            }
            dim.append(k);
            int i = 0;
            for (Split s : ds.splits()) {
                int c = 0;
                for (String nm : ds.labels(s).names()) if (java.nio.file.Files.isRegularFile(ds.featureDirectory(d).resolve(nm + ".npy"))) c++;
                files.get(i++).append(c);
            }
        }
        Table t = Table.create("feature inventory", shortName, dir, modality, dim);
        files.forEach(t::addColumns);
        return t;
    }

    private static String sortKey(String dir) {
        String s = shortName(dir);
        return s.matches("HL\\d+") ? String.format("HL%02d", Integer.parseInt(s.substring(2))) : s;
    }

    static String shortName(String dir) {
        if (dir.equals(FeatureName.HUBERT_LAST)) return "HL";
        if (dir.equals(FeatureName.MANET)) return "MR";
        if (dir.equals(FeatureName.RESNET_FER)) return "RF";
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("chinese-hubert-large-L(\\d+)-UTT").matcher(dir);
        return m.matches() ? "HL" + m.group(1) : dir;
    }

    /** Confusion matrix (rows truth, columns predicted) of a prediction set. */
    public static Table confusion(String title, SplitPredictions p) {
        long[][] cm = p.score().classification().confusion();
        StringColumn truth = StringColumn.create("truth \\ predicted");
        Table t = Table.create(title, truth);
        List<IntColumn> cols = new ArrayList<>();
        for (int k = 0; k < cm.length; k++) cols.add(IntColumn.create(Emotion.ofIndex(k).label()));
        for (int i = 0; i < cm.length; i++) {
            truth.append(Emotion.ofIndex(i).label());
            for (int j = 0; j < cm.length; j++) cols.get(j).append((int) cm[i][j]);
        }
        cols.forEach(t::addColumns);
        return t;
    }

    /**
     * The learned class anchors μ of a joint decoder (mean over folds and seeds, at the start and at
     * the kept epoch) beside the per-class mean valence of the training labels and the published one.
     */
    public static Table anchors(RunResult run, LabelSet train) {
        double[] init = new double[Emotion.COUNT], kept = new double[Emotion.COUNT];
        int n = 0;
        for (SeedResult s : run.seeds()) {
            for (FoldResult f : s.folds()) {
                float[] a = f.summary().muInitial(), b = f.summary().muKept();
                if (a == null || b == null) continue;
                for (int k = 0; k < Emotion.COUNT; k++) {
                    init[k] += a[k];
                    kept[k] += b[k];
                }
                n++;
            }
        }
        Table means = valenceByClass(train);
        StringColumn cls = StringColumn.create("class");
        DoubleColumn cm = DoubleColumn.create("class mean valence (train)"), mi = DoubleColumn.create("mu at start"),
                mk = DoubleColumn.create("mu kept"), pub = DoubleColumn.create("MER 2023 mean (published)");
        for (int k = 0; k < Emotion.COUNT; k++) {
            cls.append(Emotion.ofIndex(k).label());
            cm.append(means.doubleColumn("mean valence").get(k));
            mi.append(n == 0 ? Double.NaN : init[k] / n);
            mk.append(n == 0 ? Double.NaN : kept[k] / n);
            pub.append(MER2023_CLASS_VALENCE[k]);
        }
        return Table.create(run.name() + ": class anchors mu", cls, cm, mi, mk, pub);
    }

    /**
     * A layer sweep: per run (one per layer, in order) the CV F1 and combined, with their spread:
     * std over seeds when there are several seeds, else std over the folds of the one seed.
     */
    public static Table layerSweep(List<Integer> layers, List<RunResult> runs) {
        IntColumn layer = IntColumn.create("layer");
        StringColumn exp = StringColumn.create("experiment"), kind = StringColumn.create("spread over");
        DoubleColumn f1 = DoubleColumn.create("CV F1 %"), f1s = DoubleColumn.create("CV F1 spread"), comb = DoubleColumn.create("CV combined"),
                combs = DoubleColumn.create("CV combined spread"), mse = DoubleColumn.create("CV MSE"), t1 = DoubleColumn.create("MER-MULTI combined");
        for (int i = 0; i < runs.size(); i++) {
            RunResult r = runs.get(i);
            SplitSummary cv = r.metrics().get("cv");
            layer.append(layers.get(i));
            exp.append(r.name());
            f1.append(pct(cv.mean().weightedF1()));
            comb.append(v(cv.mean().combined()));
            mse.append(v(cv.mean().mse()));
            SplitSummary t = r.metrics().get("test1");
            t1.append(t == null ? Double.NaN : v(t.mean().combined()));
            if (cv.perSeed().size() > 1) {
                kind.append("seeds");
                f1s.append(pct(cv.std().weightedF1()));
                combs.append(v(cv.std().combined()));
            } else {
                kind.append("folds");
                List<FoldResult> folds = r.seeds().get(0).folds();
                f1s.append(100 * std(folds.stream().mapToDouble(f -> v(f.summary().heldOut().weightedF1())).toArray()));
                combs.append(std(folds.stream().mapToDouble(f -> v(f.summary().heldOut().combined())).toArray()));
            }
        }
        return Table.create("HuBERT layer sweep", layer, exp, f1, f1s, mse, comb, combs, kind, t1);
    }

    static double std(double[] a) {
        double m = 0;
        for (double x : a) m += x;
        m /= a.length;
        double s = 0;
        for (double x : a) s += (x - m) * (x - m);
        return Math.sqrt(s / a.length);
    }
}
