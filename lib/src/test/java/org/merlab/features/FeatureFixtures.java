package org.merlab.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The committed feature-extraction fixtures (made by
 * {@code fixtures/features/make_feature_fixtures.py}; its header lists what each file holds).
 */
final class FeatureFixtures {
    private FeatureFixtures() {}

    static Path dir() {
        try {
            return Path.of(FeatureFixtures.class.getResource("/fixtures/features/tiny_hubert.pt").toURI()).getParent();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing fixtures/features", e);
        }
    }

    static Path file(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.exists(p)) throw new IllegalStateException("missing fixture " + p);
        return p;
    }

    /** An npz fixture's arrays: float32 ones as float[], uint8 ones as byte[], with their shapes. */
    record Arrays(Map<String, float[]> floats, Map<String, byte[]> bytes, Map<String, long[]> shapes) {
        float[] f(String key) {
            float[] v = floats.get(key);
            if (v == null) throw new IllegalArgumentException("no float array " + key + " (have " + floats.keySet() + ")");
            return v;
        }

        byte[] b(String key) {
            byte[] v = bytes.get(key);
            if (v == null) throw new IllegalArgumentException("no uint8 array " + key + " (have " + bytes.keySet() + ")");
            return v;
        }

        long[] shape(String key) {
            return shapes.get(key);
        }
    }

    static Arrays npz(String name) {
        try (NDManager m = NDManager.newBaseManager("PyTorch"); InputStream in = Files.newInputStream(file(name))) {
            NDList list = NDList.decode(m, in);
            Map<String, float[]> f = new HashMap<>();
            Map<String, byte[]> b = new HashMap<>();
            Map<String, long[]> s = new HashMap<>();
            for (NDArray a : list) {
                s.put(a.getName(), a.getShape().getShape());
                switch (a.getDataType()) {
                    case FLOAT32 -> f.put(a.getName(), a.toFloatArray());
                    case UINT8 -> b.put(a.getName(), a.toByteArray());
                    default -> throw new IllegalStateException(name + ": unexpected dtype " + a.getDataType() + " of " + a.getName());
                }
            }
            return new Arrays(f, b, s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst;
    }
}
