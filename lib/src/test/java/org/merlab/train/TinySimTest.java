package org.merlab.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests that train small configs on a tiny MER-SIM ({@link TinySim}), one dataset per test class: where it is, and
 * a writer of the configs they train (d 16, hidden 32, dropout 0.3, learning rate 0.003).
 */
abstract class TinySimTest {

    @TempDir
    static Path tmp;
    static Path data;
    static Path configs;

    @BeforeAll
    static void makeDataset() throws IOException {
        data = TinySim.write(tmp);
        configs = Files.createDirectories(tmp.resolve("configs"));
    }

    /** Writes {@code configs/name.json}; {@code patience} null: none. */
    static Path writeConfig(String name, String features, String structure, String decoder, String loss, String seeds,
                            int epochs, Integer patience) throws IOException {
        Path p = configs.resolve(name + ".json");
        Files.writeString(p, "{\"name\": \"" + name + "\", \"features\": " + features + ","
                + " \"model\": {\"structure\": \"" + structure + "\", \"decoder\": \"" + decoder + "\", \"d\": 16, \"hidden\": 32,"
                + " \"dropout\": 0.3}, \"loss\": {\"kind\": \"" + loss + "\"},"
                + " \"protocol\": {\"epochs\": " + epochs + (patience == null ? "" : ", \"patience\": " + patience)
                + ", \"learningRate\": 0.003, \"seeds\": " + seeds + "}}");
        return p;
    }

    /** Runs {@code body} with the system properties set (a null value: cleared), then puts them back as they were. */
    static <T> T withProperties(Map<String, String> props, java.util.function.Supplier<T> body) {
        Map<String, String> before = new TreeMap<>();
        for (String key : props.keySet()) before.put(key, System.getProperty(key));
        try {
            props.forEach(TinySimTest::setOrClear);
            return body.get();
        } finally {
            before.forEach(TinySimTest::setOrClear);
        }
    }

    static void setOrClear(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }
}
