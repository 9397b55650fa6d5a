package org.merlab.experiment;

import java.util.Map;

/**
 * The record of one training run (one config, one seed): the resolved config it ran, the seed,
 * the profile, its provenance, and its metrics per split ({@code cv}, {@code test1}, {@code test2}),
 * each a map of metric name to value (fractions). Written as JSON next to the predictions.
 */
public record RunRecord(ExperimentConfig config, long seed, String profile, String dataset, Provenance provenance,
                        Map<String, Map<String, Object>> metrics) {}
