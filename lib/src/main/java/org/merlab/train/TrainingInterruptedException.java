package org.merlab.train;

/**
 * Training stopped because its thread was interrupted (Ctrl-C, a notebook's interrupt, {@code
 * Future.cancel(true)}). Like {@link InterruptedException}, throwing it consumes the thread's
 * interrupt flag, so the caller can still write files; folds finished before the interrupt are
 * already on disk and a rerun resumes after them.
 */
public final class TrainingInterruptedException extends RuntimeException {
    public TrainingInterruptedException(String message) {
        super(message);
    }
}
