package org.merlab.train;

/**
 * libtorch has one random generator per device, seeded by {@code Engine.setRandomSeed}. The batched engine seeds it
 * before each model's initial weights and each model's dropout draw; with configs training at once
 * ({@code -Dmerlab.parallel}) a seeding and the draw after it must not interleave with another thread's, so both
 * happen under this lock. A draw then depends only on its seed, as when one config trains at a time.
 */
final class GlobalGenerator {
    static final Object LOCK = new Object();

    private GlobalGenerator() {}
}
