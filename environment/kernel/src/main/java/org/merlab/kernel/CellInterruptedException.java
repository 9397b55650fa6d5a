package org.merlab.kernel;

/** The cell was interrupted (Jupyter's stop button, or code that noticed the interrupt). */
public final class CellInterruptedException extends RuntimeException {
    public CellInterruptedException(String message) {
        super(message, null, false, false);
    }
}
