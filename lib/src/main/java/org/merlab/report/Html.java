package org.merlab.report;

/** Small HTML helpers for report objects (anything with {@code toHtml()} renders as HTML in the kernel). */
public final class Html {
    private Html() {}

    /** A two-cell table row, key in italics: the set-up boxes at the top of the notebooks. */
    static void keyValueRow(StringBuilder b, String key, String value) {
        b.append("<tr><td style=\"text-align:left\"><i>").append(escape(key)).append("</i></td><td style=\"text-align:left\">")
                .append(escape(value)).append("</td></tr>");
    }

    public static String escape(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A paragraph of text that renders as HTML in a notebook (e.g. a finding computed from the results). */
    public static Text text(String s) {
        return new Text(s);
    }

    /** Plain text shown as an HTML paragraph. */
    public record Text(String text) {
        public String toHtml() {
            return "<p>" + escape(text) + "</p>";
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
