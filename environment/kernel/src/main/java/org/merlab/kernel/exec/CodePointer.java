package org.merlab.kernel.exec;

import java.util.ArrayList;
import java.util.List;

/** Formats a diagnostic as "error: msg", the cell line with its number, and a {@code ^~~~} marker. */
final class CodePointer {
    private CodePointer() { }

    /**
     * @param source    the snippet source the positions refer to
     * @param firstLine the cell line (1-based) the source starts on
     */
    static List<String> point(String source, int firstLine, long start, long end, long pos, String message) {
        List<String> out = new ArrayList<>();
        out.add(ErrorStyle.red(message.lines().findFirst().orElse(message)));
        message.lines().skip(1).filter(l -> !l.strip().equals("location: class"))
                .forEach(l -> out.add("  " + l.strip()));
        if (pos < 0 || pos > source.length()) return out;
        int s = (int) Math.max(0, Math.min(start < 0 ? pos : start, source.length()));
        int e = (int) Math.max(s, Math.min(end < 0 ? pos : end, source.length()));
        int lineStart = source.lastIndexOf('\n', s - 1) + 1;
        int lineEnd = source.indexOf('\n', s);
        if (lineEnd < 0) lineEnd = source.length();
        int lineNo = firstLine;
        for (int i = 0; i < lineStart; i++) if (source.charAt(i) == '\n') lineNo++;
        String text = source.substring(lineStart, lineEnd);
        String gutter = String.format("%4d | ", lineNo);
        out.add(ErrorStyle.cyan(gutter) + text);
        int width = Math.max(1, Math.min(e, lineEnd) - s);
        StringBuilder padded = new StringBuilder();
        for (int i = lineStart; i < s; i++) padded.append(source.charAt(i) == '\t' ? '\t' : ' ');
        out.add(" ".repeat(gutter.length() - 2) + ErrorStyle.cyan("| ") + padded + ErrorStyle.red("^" + "~".repeat(width - 1)));
        return out;
    }
}
