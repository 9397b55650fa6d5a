package org.merlab.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A dataset in the MER 2023 layout (data.md): {@code ROOT/dataset-process/label-6way.npz} or
 * {@code ROOT/dataset-release/<split>-label.csv} for labels, and
 * {@code ROOT/dataset-process/features/<dir>/<name>.npy} for features. MER-SIM has the same
 * layout, so this one class reads both. Feature matrices are cached: each is loaded once.
 */
public final class MerDataset {
    public static final String PROCESS_DIR = "dataset-process";
    public static final String RELEASE_DIR = "dataset-release";
    public static final String LABEL_NPZ = "label-6way.npz";

    private final Path root;
    private final Map<Split, LabelSet> labels;
    private final Map<String, FeatureMatrix> cache = new ConcurrentHashMap<>();

    private MerDataset(Path root, Map<Split, LabelSet> labels) {
        this.root = root;
        this.labels = labels;
    }

    /** Opens a dataset root; labels come from the npz when present, else from the CSV files. */
    public static MerDataset open(Path root) {
        if (!Files.isDirectory(root)) {
            throw new DataException(root, "dataset directory not found", "run ./merlab sim --out " + root + ", or point --data at a MER 2023 copy");
        }
        Path npz = root.resolve(PROCESS_DIR).resolve(LABEL_NPZ);
        Map<Split, LabelSet> labels;
        if (Files.isRegularFile(npz)) {
            labels = NpzLabels.read(npz);
        } else {
            labels = new EnumMap<>(Split.class);
            for (Split s : Split.values()) {
                Path csv = root.resolve(RELEASE_DIR).resolve(s.csvFileName());
                if (Files.isRegularFile(csv)) labels.put(s, CsvLabels.read(csv, s));
            }
            if (labels.isEmpty()) {
                throw new DataException(root, "no labels: neither " + PROCESS_DIR + "/" + LABEL_NPZ + " nor " + RELEASE_DIR
                        + "/train-label.csv exists", "lay the dataset out as data.md describes");
            }
        }
        if (!labels.containsKey(Split.TRAIN)) {
            throw new DataException(root, "the labels have no train split", "add train_corpus (npz) or train-label.csv");
        }
        return new MerDataset(root, labels);
    }

    public Path root() {
        return root;
    }

    public Path featureDirectory(String directory) {
        return root.resolve(PROCESS_DIR).resolve("features").resolve(directory);
    }

    public boolean hasSplit(Split split) {
        return labels.containsKey(split) && labels.get(split).size() > 0;
    }

    public LabelSet labels(Split split) {
        LabelSet set = labels.get(split);
        if (set == null) throw new IllegalArgumentException("dataset " + root + " has no " + split.id() + " split");
        return set;
    }

    /** The splits with samples, in order. */
    public List<Split> splits() {
        List<Split> out = new ArrayList<>();
        for (Split s : Split.values()) if (hasSplit(s)) out.add(s);
        return out;
    }

    /** The feature matrix of one split, rows in the split's label order; loaded once and cached. */
    public FeatureMatrix features(FeatureName feature, Split split) {
        String key = feature.directory() + "/" + split.id();
        FeatureMatrix m = cache.get(key);
        if (m != null) return m;
        // Derived features are built outside computeIfAbsent: their parts go through the cache themselves.
        m = feature.isDerived() ? derived(feature, split)
                : FeatureLoader.load(featureDirectory(feature.directory()), feature.shortName(), labels(split).names());
        FeatureMatrix before = cache.putIfAbsent(key, m);
        return before != null ? before : m;
    }

    private FeatureMatrix derived(FeatureName feature, Split split) {
        List<FeatureMatrix> parts = new ArrayList<>();
        for (FeatureName p : feature.parts()) parts.add(features(p, split));
        if (feature.combination() == FeatureName.Combination.SUM) {
            for (int i = 1; i < parts.size(); i++) {
                if (parts.get(i).dim() != parts.get(0).dim()) {
                    throw new DataException(featureDirectory(feature.parts().get(i).directory()), "width " + parts.get(i).dim()
                            + " cannot be summed with " + feature.parts().get(0) + "'s width " + parts.get(0).dim(),
                            "sum features of equal width, or use concat(...)");
                }
            }
            return FeatureMatrix.sum(feature.shortName(), parts);
        }
        return FeatureMatrix.concat(feature.shortName(), parts);
    }

    public FeatureMatrix features(String feature, Split split) {
        return features(FeatureName.parse(feature), split);
    }

    /** The feature directories present, sorted. */
    public List<String> featureDirectories() {
        Path dir = root.resolve(PROCESS_DIR).resolve("features");
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            throw new DataException(dir, "cannot list: " + e.getMessage(), "check permissions", e);
        }
    }
}
