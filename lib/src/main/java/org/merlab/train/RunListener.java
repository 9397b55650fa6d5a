package org.merlab.train;

/**
 * Progress callbacks of a run, on the training thread. All methods default to no-ops. A fold
 * found on disk (resume) is reported with {@code reused = true} and no epochs.
 */
public interface RunListener {
    /** Before anything trains: the number of epochs the whole run may take (seeds × folds × epochs, over members for a fusion). */
    default void onPlan(long totalEpochs) {}

    /** A fold starts training. */
    default void onFoldStart(String experiment, long seed, int fold, int epochs) {}

    /** An epoch finished. */
    default void onEpoch(String experiment, long seed, int fold, EpochStats stats) {}

    /** A fold finished ({@code reused}: it was read from disk, not trained). */
    default void onFoldEnd(String experiment, long seed, int fold, FoldResult result, boolean reused) {}

    /** A one-line note for the user (e.g. which experiment starts). */
    default void onMessage(String message) {}

    RunListener NONE = new RunListener() {};

    /**
     * {@code l} called by one thread at a time, for the parts of a run that train on several threads at once: every
     * call holds the view's own lock, which code that calls {@code l} directly can hold too. {@link #onPlan} is not
     * passed on: the caller planned the whole run before it handed this to the parts.
     */
    static RunListener synchronizedView(RunListener l) {
        return new RunListener() {
            @Override
            public synchronized void onFoldStart(String experiment, long seed, int fold, int epochs) {
                l.onFoldStart(experiment, seed, fold, epochs);
            }

            @Override
            public synchronized void onEpoch(String experiment, long seed, int fold, EpochStats stats) {
                l.onEpoch(experiment, seed, fold, stats);
            }

            @Override
            public synchronized void onFoldEnd(String experiment, long seed, int fold, FoldResult result, boolean reused) {
                l.onFoldEnd(experiment, seed, fold, result, reused);
            }

            @Override
            public synchronized void onMessage(String message) {
                l.onMessage(message);
            }
        };
    }
}
