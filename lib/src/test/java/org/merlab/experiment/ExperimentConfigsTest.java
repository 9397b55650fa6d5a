package org.merlab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.merlab.model.ModelSpec;

class ExperimentConfigsTest {
    @TempDir
    Path dir;

    private Path write(String name, String json) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, json);
        return p;
    }

    @Test
    void defaultsAreMethodMdsAndTheNameComesFromTheFile() throws Exception {
        ExperimentConfig c = ExperimentConfigs.read(write("s1-joint.json",
                "{\"features\": [[\"HL18\",\"HL19\",\"HL20\"],[\"RF\",\"MR\"]], \"model\": {\"structure\": \"hierarchical\"}}"));
        assertEquals("s1-joint", c.name());
        assertEquals(ModelSpec.Structure.HIERARCHICAL, c.model().structure());
        assertEquals(ModelSpec.DecoderKind.JOINT, c.model().decoder());
        assertEquals(ModelSpec.LossKind.UNCERTAINTY, c.loss().kind());
        assertEquals(128, c.model().d());
        assertEquals(0.3, c.model().dropout());
        var p = c.protocol();
        assertEquals(List.of(5, 100, 32), List.of(p.folds(), p.epochs(), p.batchSize()));
        assertEquals(1e-3, p.learningRate());
        assertEquals(1e-5, p.weightDecay());
        assertEquals(List.of(0L, 1L, 2L), p.seeds());
        assertEquals("HL18", c.featureNames().get(0).get(0).shortName());
    }

    @Test
    void unknownKeysAreRejectedWithTheirPath() throws Exception {
        Path f = write("x.json", "{\"features\": [[\"HL\"]], \"model\": {\"decodr\": \"joint\"}}");
        ConfigException e = assertThrows(ConfigException.class, () -> ExperimentConfigs.read(f));
        assertTrue(e.getMessage().startsWith(f + ": 'model.decodr': unknown key 'decodr'"), e.getMessage());
        assertTrue(e.getMessage().contains("decoder"), "lists the known keys: " + e.getMessage());
    }

    @Test
    void badEnumValuesListTheChoices() throws Exception {
        Path f = write("x.json", "{\"features\": [[\"HL\"]], \"loss\": {\"kind\": \"adaptive\"}}");
        String msg = assertThrows(ConfigException.class, () -> ExperimentConfigs.read(f)).getMessage();
        assertTrue(msg.contains("'loss.kind': bad value adaptive"), msg);
        assertTrue(msg.contains("fixed, uncertainty"), msg);
    }

    @Test
    void badRangesNameTheKey() throws Exception {
        assertKeyError("{\"features\": [[\"HL\"]], \"protocol\": {\"folds\": 1}}", "'protocol.folds': must be ≥ 2");
        assertKeyError("{\"features\": [[\"HL\"]], \"model\": {\"dropout\": 1.5}}", "'model.dropout': must be in [0, 1)");
        assertKeyError("{\"features\": [[\"HL\", \"HL99\"]], \"model\": {\"structure\": \"flat\"}}", "'features[0][1]': HuBERT-large has hidden states 0..24");
        assertKeyError("{\"features\": [[\"HL\", \"MR\"]]}", "'model.structure': unimodal takes one feature, got 2");
        assertKeyError("{\"features\": [[\"HL\"]], \"protocol\": {\"seeds\": [1, 1]}}", "'protocol.seeds': repeated seed");
        assertKeyError("{\"features\": [[\"HL\"]], \"protocol\": {\"epochs\": \"many\"}}", "'protocol.epochs'");
        assertKeyError("{\"features\": [[\"HL\"]],}", "not valid JSON");
    }

    @Test
    void profilesCutEpochsAndSeedsButPaperKeepsTheConfig() throws Exception {
        ExperimentConfig c = ExperimentConfigs.read(write("x.json", "{\"features\": [[\"HL\"]]}"));
        assertEquals(5, Profile.QUICK.apply(c).protocol().epochs());
        assertEquals(List.of(0L), Profile.QUICK.apply(c).protocol().seeds());
        assertEquals(c, Profile.PAPER.apply(c));
    }

    @Test
    void provenanceNamesTheVersions() {
        Provenance p = Provenance.capture(dir, "cpu");
        assertEquals("0.33.0", p.versions().get("djl"));
        assertTrue(p.versions().get("pytorch").startsWith("2.5.1"), p.versions().toString());
        assertEquals("0.44.4", p.versions().get("tablesaw"), "the version pinned in the parent pom");
        assertEquals("unknown", p.gitCommit(), "not a git repository");
    }

    private void assertKeyError(String json, String expected) throws Exception {
        Path f = write("bad.json", json);
        String msg = assertThrows(ConfigException.class, () -> ExperimentConfigs.read(f)).getMessage();
        assertTrue(msg.contains(expected), msg);
        assertTrue(msg.startsWith(f.toString()), msg);
    }
}
