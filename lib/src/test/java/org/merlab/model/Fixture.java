package org.merlab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One PyTorch reference case, read from {@code /fixtures/model/<case>.npz} (written by
 * {@code make_model_fixtures.py}; see its header for the array naming). Arrays live in the
 * caller's manager.
 */
final class Fixture {

    private final String name;
    private final NDManager manager;
    private final Map<String, NDArray> arrays = new TreeMap<>();

    private Fixture(String name, NDManager manager, NDList list) {
        this.name = name;
        this.manager = manager;
        for (NDArray a : list) {
            arrays.put(a.getName(), a);
        }
    }

    static Fixture load(NDManager manager, String name) {
        String resource = "/fixtures/model/" + name + ".npz";
        try (InputStream in = Fixture.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return new Fixture(name, manager, NDList.decode(manager, in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String name() {
        return name;
    }

    NDManager manager() {
        return manager;
    }

    boolean has(String key) {
        return arrays.containsKey(key);
    }

    NDArray get(String key) {
        NDArray a = arrays.get(key);
        if (a == null) {
            throw new IllegalArgumentException(name + ": no array " + key + " (have " + arrays.keySet() + ")");
        }
        return a;
    }

    /** Arrays whose names start with {@code prefix + "__"}, keyed by the rest of the name. */
    Map<String, NDArray> group(String prefix) {
        Map<String, NDArray> out = new TreeMap<>();
        String p = prefix + "__";
        arrays.forEach((k, v) -> {
            if (k.startsWith(p)) {
                out.put(k.substring(p.length()), v);
            }
        });
        return out;
    }

    /** x__0, x__1, ... in order, as fresh copies (so tests may attach gradients). */
    NDList inputs() {
        NDList out = new NDList();
        for (int i = 0; has("x__" + i); i++) {
            out.add(get("x__" + i).duplicate());
        }
        return out;
    }

    /**
     * Initialises {@code block} with the fixture's parameter values ({@code w__<canonical name>}).
     * The set of names must match exactly: a missing or extra parameter fails the test.
     */
    void loadInto(Block block, Shape... inputShapes) {
        Map<String, NDArray> weights = group("w");
        Map<String, Parameter> params = ParameterNames.of(block);
        assertEquals(new TreeSet<>(weights.keySet()), new TreeSet<>(params.keySet()),
                name + ": parameter names differ between PyTorch and DJL");
        params.forEach((key, param) -> {
            NDArray value = weights.get(key);
            param.setInitializer((m, shape, dataType) -> {
                if (!shape.equals(value.getShape())) {
                    throw new IllegalStateException(
                            name + ": " + key + " has shape " + shape + " in DJL, " + value.getShape() + " in PyTorch");
                }
                return m.create(value.toFloatArray(), shape).toType(dataType, false);
            });
        });
        block.initialize(manager, DataType.FLOAT32, inputShapes);
    }
}
