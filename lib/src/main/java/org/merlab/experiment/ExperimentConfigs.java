package org.merlab.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.merlab.data.FeatureName;
import org.merlab.model.ModelSpec;

/** Reads, validates and writes experiment configs. */
public final class ExperimentConfigs {
    /** The mapper every config and result goes through: strict on input, stable on output. */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private ExperimentConfigs() {}

    public static ExperimentConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, null, "config not found", "check the path (configs live in experiments/)");
        } catch (IOException e) {
            throw new ConfigException(file, null, "cannot read: " + e.getMessage(), "check the file");
        }
        ExperimentConfig config = parse(file, text);
        validate(file, config);
        return config;
    }

    static ExperimentConfig parse(Path file, String text) {
        try {
            ExperimentConfig c = JSON.readValue(text, ExperimentConfig.class);
            if (c == null) throw new ConfigException(file, null, "empty config", "write a JSON object");
            if (c.name() == null || c.name().isBlank()) {
                String base = file.getFileName().toString().replaceFirst("\\.json$", "");
                c = new ExperimentConfig(base, c.description(), c.dataset(), c.features(), c.model(), c.loss(), c.protocol(), c.fusion());
            }
            return c;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
            throw new ConfigException(file, path(e), "unknown key '" + e.getPropertyName() + "'", "known keys here: " + known);
        } catch (InvalidFormatException e) {
            String allowed = e.getTargetType() != null && e.getTargetType().isEnum()
                    ? "one of " + List.of(e.getTargetType().getEnumConstants()).stream().map(o -> o.toString().toLowerCase()).collect(Collectors.joining(", "))
                    : "a " + (e.getTargetType() == null ? "valid value" : e.getTargetType().getSimpleName());
            throw new ConfigException(file, path(e), "bad value " + e.getValue(), "expected " + allowed);
        } catch (JsonMappingException e) {
            throw new ConfigException(file, path(e), e.getOriginalMessage().split("\n")[0], "fix the value's type");
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new ConfigException(file, null, "not valid JSON at line " + (loc == null ? "?" : loc.getLineNr()) + ": "
                    + e.getOriginalMessage().split("\n")[0], "fix the syntax");
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            else sb.append('[').append(r.getIndex()).append(']');
        }
        return sb.toString();
    }

    /** Checks values Jackson cannot: ranges, feature names, structure/feature-group agreement. */
    static void validate(Path file, ExperimentConfig c) {
        if (!c.name().matches("[A-Za-z0-9._-]+")) bad(file, "name", "'" + c.name() + "' has characters unfit for a folder name", "use letters, digits, '.', '_' and '-'");
        if (c.isFusion()) {
            if (c.fusion().members().size() < 2) bad(file, "fusion.members", "a fusion needs at least two member configs", "list the member config files");
            if (!Set.of("uniform", "oof-grid").contains(c.fusion().weights())) bad(file, "fusion.weights", "'" + c.fusion().weights() + "'", "use uniform or oof-grid");
            if (!c.features().isEmpty()) bad(file, "features", "a fusion takes its features from its members", "remove 'features'");
        } else {
            if (c.features().isEmpty()) bad(file, "features", "no features", "list feature groups, e.g. [[\"HL18\",\"HL19\",\"HL20\"],[\"RF\",\"MR\"]]");
            for (int g = 0; g < c.features().size(); g++) {
                if (c.features().get(g).isEmpty()) bad(file, "features[" + g + "]", "empty group", "remove it or name features");
                for (int i = 0; i < c.features().get(g).size(); i++) {
                    try {
                        FeatureName.parse(c.features().get(g).get(i));
                    } catch (IllegalArgumentException e) {
                        bad(file, "features[" + g + "][" + i + "]", e.getMessage(), "use HL0..HL24, HL, MR, RF or a feature directory");
                    }
                }
            }
            int inputs = c.features().stream().mapToInt(List::size).sum();
            ModelSpec.Structure s = c.model().structure();
            if (s == ModelSpec.Structure.UNIMODAL && inputs != 1) bad(file, "model.structure", "unimodal takes one feature, got " + inputs, "use one feature or a fusion structure");
            if (s == ModelSpec.Structure.CROSS && c.features().size() != 2) bad(file, "features", "cross (S3) takes two groups: layers, then the other modality", "write [[\"HL18\",\"HL19\",\"HL20\"],[\"RF\",\"MR\"]]");
            if (s == ModelSpec.Structure.HIERARCHICAL && c.features().size() < 2) bad(file, "features", "hierarchical (S1) gathers groups: give at least two", "group the features by modality");
        }
        var m = c.model();
        if (m.d() < 1) bad(file, "model.d", "must be ≥ 1, got " + m.d(), "use e.g. 128");
        if (m.hidden() < 1) bad(file, "model.hidden", "must be ≥ 1, got " + m.hidden(), "use e.g. 256");
        if (m.dropout() < 0 || m.dropout() >= 1) bad(file, "model.dropout", "must be in [0, 1), got " + m.dropout(), "use e.g. 0.3");
        var l = c.loss();
        if (l.emotionWeight() < 0 || l.valenceWeight() < 0) bad(file, "loss", "weights must be ≥ 0", "use e.g. 1.0");
        var p = c.protocol();
        if (p.folds() < 2) bad(file, "protocol.folds", "must be ≥ 2, got " + p.folds(), "use 5");
        if (p.epochs() < 1) bad(file, "protocol.epochs", "must be ≥ 1, got " + p.epochs(), "use e.g. 100");
        if (p.batchSize() < 1) bad(file, "protocol.batchSize", "must be ≥ 1, got " + p.batchSize(), "use 32");
        if (!(p.learningRate() > 0)) bad(file, "protocol.learningRate", "must be > 0, got " + p.learningRate(), "use 1e-3");
        if (p.weightDecay() < 0) bad(file, "protocol.weightDecay", "must be ≥ 0, got " + p.weightDecay(), "use 1e-5");
        if (p.patience() != null && p.patience() < 1) bad(file, "protocol.patience", "must be ≥ 1 or absent, got " + p.patience(), "remove it for no early stop");
        if (p.seeds().isEmpty()) bad(file, "protocol.seeds", "no seeds", "use e.g. [0, 1, 2]");
        if (p.seeds().stream().distinct().count() != p.seeds().size()) bad(file, "protocol.seeds", "repeated seed", "list each seed once");
    }

    private static void bad(Path file, String key, String problem, String fix) {
        throw new ConfigException(file, key, problem, fix);
    }

    public static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
