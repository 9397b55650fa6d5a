package org.merlab.kernel.render;

import java.util.UUID;

/**
 * A Tablesaw (jsplot) {@code Figure} as an interactive plotly plot: a {@code <div>} and the figure's
 * own {@code asJavascript(div)} code, run in a function (no globals) once {@code window.Plotly} exists.
 */
public final class FigureHtml {
    public static final String CLASS_NAME = "tech.tablesaw.plotly.components.Figure";

    private FigureHtml() { }

    public static String toHtml(Object figure) throws ReflectiveOperationException {
        // Tablesaw names a JS variable after the div: letters, digits and '_' only
        String div = "merlab_plot_" + UUID.randomUUID().toString().replace("-", "");
        String js = (String) figure.getClass().getMethod("asJavascript", String.class).invoke(figure, div);
        int open = js.indexOf("<script>");
        int close = js.lastIndexOf("</script>");
        String body = open >= 0 && close > open ? js.substring(open + "<script>".length(), close) : js;
        return "<div id=\"" + div + "\" class=\"merlab-plot\"></div>\n"
                + "<script type=\"text/javascript\">\n(function () {\n"
                + "  var draw = function () {\n" + body + "\n  };\n"
                + "  if (window.Plotly) { draw(); }\n"
                + "  else { " + PlotlyBundle.QUEUE + " = " + PlotlyBundle.QUEUE + " || []; "
                + PlotlyBundle.QUEUE + ".push(draw); }\n"
                + "})();\n</script>";
    }
}
