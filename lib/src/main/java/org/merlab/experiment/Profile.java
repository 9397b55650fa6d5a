package org.merlab.experiment;

import java.util.List;

/**
 * How much of the protocol a run does. {@code paper} is method.md's protocol as the config states
 * it; {@code default} is what {@code ./merlab reproduce} runs on a 2-core machine; {@code quick}
 * is what the tests run. Every report states the profile and the epochs and seeds it resolved to.
 */
public enum Profile {
    QUICK(5, 1), DEFAULT(10, 2), PAPER(-1, -1);

    private final int epochs;
    private final int seeds;

    Profile(int epochs, int seeds) {
        this.epochs = epochs;
        this.seeds = seeds;
    }

    /** The config with this profile's epochs and seeds (the first n of the config's); paper keeps the config's. */
    public ExperimentConfig apply(ExperimentConfig c) {
        if (this == PAPER) return c;
        var p = c.protocol();
        List<Long> s = p.seeds().subList(0, Math.min(seeds, p.seeds().size()));
        return c.withProtocol(p.withEpochsAndSeeds(Math.min(epochs, p.epochs()), s));
    }

    public String id() {
        return name().toLowerCase();
    }

    public static Profile parse(String s) {
        for (Profile p : values()) if (p.id().equals(s.toLowerCase())) return p;
        throw new IllegalArgumentException("unknown profile '" + s + "' (quick, default or paper)");
    }
}
