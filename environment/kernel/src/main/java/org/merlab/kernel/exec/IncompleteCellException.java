package org.merlab.kernel.exec;

/** The cell ends in the middle of a statement (unbalanced braces, missing semicolon in a class...). */
public final class IncompleteCellException extends Exception {
    public IncompleteCellException(String source) {
        super("The cell is incomplete; the statement starting here does not end:\n" + source.strip(), null, false, false);
    }
}
