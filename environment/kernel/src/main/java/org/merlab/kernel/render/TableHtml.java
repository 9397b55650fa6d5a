package org.merlab.kernel.render;

import java.lang.reflect.Method;
import java.util.List;

/**
 * A Tablesaw {@code Table} as an HTML table: name, "rows × columns", the first and last rows when the
 * table is longer than the cap (default 20, system property {@code merlab.table.maxRows}). Tablesaw is
 * on the notebook's class path, not the kernel's, so this works by reflection on the public API
 * ({@code name(), rowCount(), columnCount(), columnNames(), getString(int,int)}).
 */
public final class TableHtml {
    public static final String CLASS_NAME = "tech.tablesaw.api.Table";

    private TableHtml() { }

    public static int maxRows() {
        return Integer.getInteger("merlab.table.maxRows", 20);
    }

    public static String toHtml(Object table) throws ReflectiveOperationException {
        Class<?> c = table.getClass();
        String name = (String) c.getMethod("name").invoke(table);
        int rows = (Integer) c.getMethod("rowCount").invoke(table);
        int cols = (Integer) c.getMethod("columnCount").invoke(table);
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) c.getMethod("columnNames").invoke(table);
        Method cell = c.getMethod("getString", int.class, int.class);

        int cap = Math.max(2, maxRows());
        int head = rows > cap ? cap / 2 : rows;
        int tail = rows > cap ? cap - head : 0;

        StringBuilder b = new StringBuilder(256 + rows * cols * 12);
        b.append("<div class=\"merlab-table\"><style>.merlab-table table{border-collapse:collapse;font-size:12px}"
                + ".merlab-table th,.merlab-table td{padding:2px 8px;text-align:right;border-bottom:1px solid #eee}"
                + ".merlab-table thead th{border-bottom:1px solid #999}</style>");
        b.append("<table><thead>");
        if (name != null && !name.isEmpty())
            b.append("<tr><th colspan=\"").append(cols + 1).append("\" style=\"text-align:left\">")
                    .append(Html.escape(name)).append("</th></tr>");
        b.append("<tr><th></th>");
        for (String n : names) b.append("<th>").append(Html.escape(n)).append("</th>");
        b.append("</tr></thead><tbody>");
        for (int r = 0; r < head; r++) row(b, table, cell, r, cols);
        if (tail > 0) {
            b.append("<tr><td>&#8942;</td>");
            for (int j = 0; j < cols; j++) b.append("<td>&#8942;</td>");
            b.append("</tr>");
            for (int r = rows - tail; r < rows; r++) row(b, table, cell, r, cols);
        }
        b.append("</tbody></table>");
        b.append("<p style=\"font-size:smaller\">").append(rows).append(rows == 1 ? " row" : " rows")
                .append(" × ").append(cols).append(cols == 1 ? " column" : " columns");
        if (tail > 0) b.append(" (showing ").append(head + tail).append(")");
        b.append("</p></div>");
        return b.toString();
    }

    private static void row(StringBuilder b, Object table, Method cell, int r, int cols)
            throws ReflectiveOperationException {
        b.append("<tr><th>").append(r).append("</th>");
        for (int j = 0; j < cols; j++) b.append("<td>").append(Html.escape(cell.invoke(table, r, j))).append("</td>");
        b.append("</tr>");
    }
}
