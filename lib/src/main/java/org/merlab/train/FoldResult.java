package org.merlab.train;

import java.util.Map;

/**
 * One finished fold: its summary (metrics, curves, attention) and the kept epoch's predictions on
 * the held-out part ({@code heldOut}, the out-of-fold predictions) and on each test split
 * ({@code tests}, keyed "test1", "test2").
 */
public record FoldResult(FoldSummary summary, SplitPredictions heldOut, Map<String, SplitPredictions> tests) {
    public FoldResult {
        tests = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(tests));
    }

    public int fold() {
        return summary.fold();
    }
}
