package org.merlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.merlab.data.CsvLabels;
import org.merlab.data.LabelSet;
import org.merlab.data.NpzLabels;
import org.merlab.data.Split;
import org.merlab.metrics.MerScore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score a MER submission CSV (name,discrete,valence) against labels; prints JSON.",
                "Keys: weighted_f1, accuracy, macro_f1, mse, mae, pearson_r, combined (fractions), per_class, confusion."})
final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--labels", required = true, description = "label-6way.npz or a label CSV (name,discrete,valence).")
    Path labels;

    @Option(names = "--pred", required = true, description = "Prediction CSV in the MER submission format (name,discrete,valence).")
    Path pred;

    @Option(names = "--split", description = "Split of an npz to score against (train, test1, test2, test3); default: the one holding the predicted names.")
    String split;

    @Override
    public Integer call() throws Exception {
        // read once; the split tag only names the set (the truth's split is the one that counts)
        LabelSet predicted = CsvLabels.read(pred, Split.TEST1);
        LabelSet truth = readTruth(predicted);
        List<String> unknown = new ArrayList<>();
        for (String n : predicted.names()) if (!truth.contains(n)) unknown.add(n);
        if (!unknown.isEmpty()) {
            throw new Main.UserError(pred + ": " + unknown.size() + " predicted names are not in the labels (first: " + first(unknown)
                    + ") — predict the labelled split's samples only");
        }
        List<String> missing = new ArrayList<>();
        for (String n : truth.names()) if (!predicted.contains(n)) missing.add(n);
        if (!missing.isEmpty()) {
            throw new Main.UserError(pred + ": " + missing.size() + " labelled samples have no prediction (first: " + first(missing)
                    + ") — predict every sample of the split");
        }
        int[] trueClass = truth.classes();
        int[] predClass = new int[trueClass.length];
        double[] predVal = new double[trueClass.length];
        for (int i = 0; i < trueClass.length; i++) {
            var p = predicted.get(truth.names().get(i));
            predClass[i] = p.emotion().ordinal();
            predVal[i] = p.valence();
        }
        boolean valence = truth.hasValence() && predicted.hasValence();
        MerScore score = valence ? MerScore.of(trueClass, predClass, truth.valences(), predVal) : MerScore.classesOnly(trueClass, predClass);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("split", truth.split().id());
        out.put("samples", trueClass.length);
        out.putAll(score.toMap());
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        return 0;
    }

    private LabelSet readTruth(LabelSet predicted) {
        if (!labels.getFileName().toString().endsWith(".npz")) {
            return CsvLabels.read(labels, split == null ? Split.TEST1 : Split.parse(split));
        }
        Map<Split, LabelSet> all = NpzLabels.read(labels);
        if (split != null) {
            LabelSet s = all.get(Split.parse(split));
            if (s == null) throw new Main.UserError(labels + ": has no " + split + " split — choose one of " + all.keySet());
            return s;
        }
        LabelSet guess = guessSplit(all, predicted);
        if (guess == null) throw new Main.UserError(pred + ": its names match no split of " + labels + " — pass --split");
        return guess;
    }

    private static LabelSet guessSplit(Map<Split, LabelSet> all, LabelSet p) {
        for (LabelSet s : all.values()) if (!p.names().isEmpty() && s.contains(p.names().get(0))) return s;
        return null;
    }

    private static String first(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(3, names.size())));
    }
}
