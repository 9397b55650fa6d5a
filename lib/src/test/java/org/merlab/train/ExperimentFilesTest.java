package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;
import org.merlab.model.ModelSpec;

/** The shipped experiments/*.json: one per ablation row, all valid, named after their files, described. */
class ExperimentFilesTest {
    static final Path DIR = Path.of("..", "experiments");

    private static Map<String, ExperimentConfig> all() throws IOException {
        Map<String, ExperimentConfig> out = new TreeMap<>();
        try (var s = Files.list(DIR)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                out.put(p.getFileName().toString().replace(".json", ""), ExperimentConfigs.read(p));
            }
        }
        return out;
    }

    @Test
    void everyAblationRowHasAValidConfig() throws IOException {
        Map<String, ExperimentConfig> c = all();
        for (int k = 0; k <= 24; k++) assertTrue(c.containsKey(String.format("hl-L%02d", k)), "hl-L" + k);
        for (String s : List.of("s1", "s2", "s3")) {
            for (String d : List.of("separate", "joint")) {
                for (String l : List.of("fixed", "uncertainty")) assertTrue(c.containsKey(s + "-" + d + "-" + l));
            }
        }
        for (String n : List.of("hl", "mr", "rf", "attention-hl-rf", "attention-hl-mr", "final-system")) assertTrue(c.containsKey(n), n);
        assertEquals(43, c.size());
        c.forEach((file, cfg) -> {
            assertEquals(file, cfg.name(), "name matches the file");
            assertFalse(cfg.description().isBlank(), file + " has a description");
            assertTrue(ExperimentRunner.plannedEpochs(cfg, DIR, Profile.QUICK) > 0);
        });
        // the official baseline rows: separate heads, fixed loss
        for (String n : List.of("hl", "mr", "rf", "hl-L18", "attention-hl-rf", "attention-hl-mr")) {
            assertEquals(ModelSpec.DecoderKind.SEPARATE, c.get(n).model().decoder(), n);
            assertEquals(ModelSpec.LossKind.FIXED, c.get(n).loss().kind(), n);
        }
        assertEquals(List.of(List.of("HL", "MR", "MR")), c.get("attention-hl-mr").features());
        assertEquals(List.of(List.of("HL18", "HL19", "HL20"), List.of("RF", "MR")), c.get("s1-joint-uncertainty").features());
        assertEquals(ModelSpec.Structure.CROSS, c.get("s3-joint-fixed").model().structure());
        assertEquals(3, c.get("final-system").fusion().members().size());
        assertEquals(3 * 5 * 5, ExperimentRunner.plannedEpochs(c.get("final-system"), DIR, Profile.QUICK));
    }
}
