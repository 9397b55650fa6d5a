package org.merlab.kernel.exec;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SourceCodeAnalysis;

/**
 * Where each JShell snippet came from (execution count of its cell, cell line it starts on), so stack
 * frames of notebook code read "cell [4], line 7". A frame names JShell's wrapper class and a line of the
 * generated wrapper source; {@link SourceCodeAnalysis#wrapper(Snippet)} maps that back into the snippet.
 */
public final class SourceMap {
    private record Origin(int cell, int firstLine) { }

    private record Located(Snippet snippet, SourceCodeAnalysis.SnippetWrapper wrapper, Origin origin) { }

    private final JShell shell;
    private final Map<String, Origin> origins = new ConcurrentHashMap<>();
    private final Map<String, Located> byClass = new ConcurrentHashMap<>();

    SourceMap(JShell shell) {
        this.shell = shell;
    }

    void record(Snippet snippet, int cell, int firstLine) {
        origins.put(snippet.id(), new Origin(cell, firstLine));
    }

    /** "cell [4], line 7" for a frame of notebook code, null for other frames. */
    public String describe(StackTraceElement frame) {
        String cls = frame.getClassName();
        if (!cls.startsWith("REPL.")) return null;
        Located loc = locate(cls);
        if (loc == null) return null;
        String where = loc.origin.cell > 0 ? "cell [" + loc.origin.cell + "]" : "start-up code";
        int line = snippetLine(loc, frame.getLineNumber());
        return line > 0 ? where + ", line " + (loc.origin.firstLine + line - 1) : where;
    }

    private Located locate(String className) {
        Located hit = byClass.get(className);
        if (hit != null) return hit;
        String outer = className.indexOf('$', "REPL.$JShell$".length()) > 0
                ? className.substring(0, className.indexOf('$', "REPL.$JShell$".length())) : className;
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        for (Snippet s : (Iterable<Snippet>) shell.snippets()::iterator) {
            Origin origin = origins.get(s.id());
            if (origin == null) continue;
            try {
                SourceCodeAnalysis.SnippetWrapper w = analysis.wrapper(s);
                if (w.fullClassName().equals(outer)) {
                    Located l = new Located(s, w, origin);
                    byClass.put(className, l);
                    return l;
                }
            } catch (RuntimeException e) {
                // a snippet JShell cannot wrap any more (dropped): skip it
            }
        }
        return null;
    }

    /** 1-based line in the snippet source for a 1-based line of the wrapper source, or 0. */
    private static int snippetLine(Located loc, int wrappedLine) {
        if (wrappedLine <= 0) return 0;
        String wrapped = loc.wrapper.wrapped();
        int pos = 0;
        for (int l = 1; l < wrappedLine && pos >= 0; l++) pos = wrapped.indexOf('\n', pos) + 1;
        if (pos <= 0 && wrappedLine > 1) return 0;
        while (pos < wrapped.length() && Character.isWhitespace(wrapped.charAt(pos)) && wrapped.charAt(pos) != '\n') pos++;
        int src = loc.wrapper.wrappedToSourcePosition(pos);
        String source = loc.snippet.source();
        if (src < 0 || src > source.length()) return 0;
        int line = 1;
        for (int i = 0; i < src; i++) if (source.charAt(i) == '\n') line++;
        return line;
    }
}
