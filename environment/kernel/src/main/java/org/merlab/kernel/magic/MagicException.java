package org.merlab.kernel.magic;

/** A magic failed (bad arguments, nothing matched, Maven could not resolve...): shown as one message. */
public final class MagicException extends Exception {
    public MagicException(String magic, Throwable cause) {
        super("%" + magic + ": " + (cause.getMessage() != null ? cause.getMessage() : cause.toString()), cause, false, false);
    }
}
