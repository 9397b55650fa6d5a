package org.merlab.kernel.exec;

/** ANSI styling for tracebacks; colours that read on light and dark themes (no bold black). */
public final class ErrorStyle {
    private ErrorStyle() { }

    public static String red(String s) {
        return "\u001b[1;31m" + s + "\u001b[0m";
    }

    public static String cyan(String s) {
        return "\u001b[36m" + s + "\u001b[0m";
    }

    public static String dim(String s) {
        return "\u001b[2m" + s + "\u001b[0m";
    }
}
