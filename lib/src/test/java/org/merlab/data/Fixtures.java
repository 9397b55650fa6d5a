package org.merlab.data;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Paths of the committed data fixtures (made by fixtures/data/make_data_fixtures.py). */
final class Fixtures {
    private Fixtures() {}

    static Path data(String relative) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/data/" + relative).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing fixture " + relative, e);
        }
    }
}
