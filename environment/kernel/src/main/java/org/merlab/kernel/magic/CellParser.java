package org.merlab.kernel.magic;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a cell into what runs in order: Java code and line magics ({@code %name args} alone on a
 * line), or recognises a whole-cell magic ({@code %%name args} on the first line).
 */
public final class CellParser {
    /** One piece of a cell: code starting at cell line {@code firstLine}, or a magic call. */
    public record Part(String code, String magic, List<String> args, String body, int firstLine) {
        public boolean isMagic() {
            return magic != null;
        }

        public boolean isCellMagic() {
            return body != null;
        }
    }

    private CellParser() { }

    public static List<Part> parse(String cell) {
        List<Part> parts = new ArrayList<>();
        String trimmed = cell.stripLeading();
        if (trimmed.startsWith("%%")) {
            int nl = trimmed.indexOf('\n');
            String header = nl < 0 ? trimmed.substring(2) : trimmed.substring(2, nl);
            List<String> words = split(header);
            if (!words.isEmpty()) {
                parts.add(new Part(null, words.get(0), words.subList(1, words.size()),
                        nl < 0 ? "" : trimmed.substring(nl + 1), 1));
                return parts;
            }
        }
        String[] lines = cell.split("\n", -1);
        StringBuilder code = new StringBuilder();
        boolean started = false; // code holds at least one line (a blank one counts: line numbers)
        int codeStart = 1;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.startsWith("%") && !line.startsWith("%%") && line.length() > 1
                    && Character.isJavaIdentifierStart(line.charAt(1))) {
                if (!code.toString().isBlank()) parts.add(new Part(code.toString(), null, null, null, codeStart));
                code.setLength(0);
                started = false;
                List<String> words = split(line.substring(1));
                parts.add(new Part(null, words.get(0), words.subList(1, words.size()), null, i + 1));
                codeStart = i + 2;
            } else {
                if (started) code.append('\n');
                code.append(lines[i]);
                started = true;
            }
        }
        if (!code.toString().isBlank()) parts.add(new Part(code.toString(), null, null, null, codeStart));
        return parts;
    }

    /** Splits magic arguments on blanks; single or double quotes group, backslash escapes. */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                cur.append(s.charAt(++i));
                any = true;
            } else if (quote != 0) {
                if (c == quote) quote = 0;
                else cur.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any) out.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (any) out.add(cur.toString());
        return out;
    }
}
