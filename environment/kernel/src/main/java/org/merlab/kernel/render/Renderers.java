package org.merlab.kernel.render;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.function.Consumer;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.RenderFunction;
import io.github.spencerpark.jupyter.kernel.display.Renderer;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;

/**
 * Renders notebook values. On top of the base kernel's renderer (text, images as PNG, URLs,
 * {@code DisplayDataRenderable}) it knows, without compile-time dependencies (the notebook's class path
 * is not the kernel's):
 * <ul>
 *   <li>Tablesaw {@code Table} → HTML table with a row cap ({@link TableHtml}),</li>
 *   <li>Tablesaw {@code Figure} → offline interactive plotly plot ({@link FigureHtml}, {@link PlotlyBundle}),</li>
 *   <li>any object with a public {@code String toHtml()} method (the library's result objects) → that HTML.</li>
 * </ul>
 * Renderers are registered with the base kernel the first time a class is seen ({@link ClassValue}).
 */
public final class Renderers {
    private interface HtmlFunction {
        String html(Object o) throws Exception;
    }

    private final Renderer renderer;
    private final PlotlyBundle plotly;
    private final Consumer<DisplayData> publisher;
    private final ClassValue<Boolean> prepared = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return registerFor(type);
        }
    };

    /**
     * @param publisher publishes a display (used to inline plotly.js as its own output before the first
     *                  figure, so later updates of the figure's display cannot remove it)
     */
    public Renderers(Renderer renderer, PlotlyBundle plotly, Consumer<DisplayData> publisher) {
        this.renderer = renderer;
        this.plotly = plotly;
        this.publisher = publisher;
    }

    public PlotlyBundle plotly() {
        return plotly;
    }

    public DisplayData render(Object value) {
        if (value == null) return new DisplayData("null");
        if (value instanceof DisplayData) return (DisplayData) value;
        prepared.get(value.getClass());
        return renderer.render(value);
    }

    public DisplayData renderAs(Object value, String... mimeTypes) {
        if (value == null) return new DisplayData("null");
        if (mimeTypes == null || mimeTypes.length == 0) return render(value);
        prepared.get(value.getClass());
        return renderer.renderAs(value, mimeTypes);
    }

    private boolean registerFor(Class<?> type) {
        for (Class<?> k = type; k != null; k = k.getSuperclass()) {
            if (k.getName().equals(TableHtml.CLASS_NAME)) {
                register(type, TableHtml::toHtml, null);
                return true;
            }
            if (k.getName().equals(FigureHtml.CLASS_NAME)) {
                register(type, this::figure, "Figure (plotly.js; open the notebook in Jupyter to see it)");
                return true;
            }
        }
        Method toHtml = publicToHtml(type);
        if (toHtml != null) {
            register(type, o -> (String) toHtml.invoke(o), null);
            return true;
        }
        return false;
    }

    private String figure(Object figure) throws Exception {
        String bundle = plotly.takeOnce();
        if (bundle != null) {
            DisplayData loader = new DisplayData();
            loader.putHTML(bundle);
            try {
                publisher.accept(loader);
                bundle = null;
            } catch (RuntimeException notAttached) {
                // no request to publish to: inline it
            }
        }
        return (bundle == null ? "" : bundle + "\n") + FigureHtml.toHtml(figure);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void register(Class<?> type, HtmlFunction html, String plainText) {
        Renderer.RenderRegistration registration = renderer.createRegistration((Class) type);
        registration.preferring(MIMEType.TEXT_HTML).register((RenderFunction) (o, context) -> {
            context.renderIfRequested(MIMEType.TEXT_HTML, () -> {
                try {
                    return html.html(o);
                } catch (Exception e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    return "<pre style=\"color:#b00\">cannot render " + Html.escape(type.getName()) + ": "
                            + Html.escape(cause) + "</pre>";
                }
            });
            if (plainText != null) context.getOutputContainer().putText(plainText);
        });
    }

    private static Method publicToHtml(Class<?> type) {
        try {
            Method m = type.getMethod("toHtml");
            boolean ok = m.getReturnType() == String.class && !Modifier.isStatic(m.getModifiers())
                    && Modifier.isPublic(m.getDeclaringClass().getModifiers());
            if (ok) return m;
            m.setAccessible(true); // public method of a non-public class (e.g. declared in a cell)
            return m.getReturnType() == String.class ? m : null;
        } catch (NoSuchMethodException | RuntimeException e) {
            return null;
        }
    }
}
