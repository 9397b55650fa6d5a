package org.merlab.kernel.exec;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;

/**
 * The one JShell of the kernel process: splits a cell into snippets, evaluates them in order and
 * returns the live value of the last expression. Compile errors become {@link CompileError}s that
 * point at the code; runtime exceptions are JShell's {@link JShellException}s (the real throwable is
 * kept by the {@link CellExecutionControl}).
 */
public final class CellEvaluator implements AutoCloseable {
    /** Marker for "the cell has no value to show". */
    public static final Object NO_VALUE = new Object();

    private final CellExecutionControl control = new CellExecutionControl();
    private final SourceMap sourceMap;
    private final JShell shell;

    public CellEvaluator(List<String> compilerOptions) {
        PrintStream out = new PrintStream(new Delegate(true), true);
        PrintStream err = new PrintStream(new Delegate(false), true);
        this.shell = JShell.builder()
                .out(out).err(err).in(InputStream.nullInputStream())
                .executionEngine(new CellExecutionControlProvider(control), Map.of())
                .compilerOptions(compilerOptions.toArray(String[]::new))
                .build();
        this.sourceMap = new SourceMap(shell);
    }

    public JShell shell() {
        return shell;
    }

    public SourceMap sourceMap() {
        return sourceMap;
    }

    public void addToClasspath(String path) {
        shell.addToClasspath(path);
    }

    /** Interrupts the running cell. */
    public void interrupt() {
        control.interrupt();
    }

    /** The exception the last failing snippet threw, once. */
    public Throwable takeLastThrown() {
        return control.takeLastThrown();
    }

    /**
     * Evaluates the code of one cell; {@code cellNumber} is its execution count (0 for start-up code) and
     * {@code firstLine} the cell line the code starts on.
     *
     * @return the live value of the last expression, or {@link #NO_VALUE}
     */
    public Object eval(String code, int cellNumber, int firstLine) throws Exception {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        Object last = NO_VALUE;
        String remaining = code;
        int line = firstLine;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            switch (info.completeness()) {
                case EMPTY:
                    return last;
                case DEFINITELY_INCOMPLETE:
                case CONSIDERED_INCOMPLETE:
                    throw new IncompleteCellException(remaining);
                default:
                    break;
            }
            String source = info.source() != null ? info.source() : remaining;
            last = evalSnippet(source, cellNumber, line, last);
            String rest = info.source() != null ? info.remaining() : "";
            line += count(remaining.substring(0, remaining.length() - rest.length()), '\n');
            remaining = rest;
        }
        return last;
    }

    private Object evalSnippet(String source, int cellNumber, int firstLine, Object previous)
            throws Exception {
        Object value = previous;
        for (SnippetEvent event : shell.eval(source)) {
            String key = event.value();
            Object live = control.takeResult(key); // always take it, the control keeps it until then
            if (event.causeSnippet() != null) continue;
            Snippet snippet = event.snippet();
            sourceMap.record(snippet, cellNumber, firstLine);
            if (event.exception() != null) throw event.exception();
            switch (event.status()) {
                case REJECTED:
                    throw compileError(snippet, source, firstLine);
                case RECOVERABLE_NOT_DEFINED:
                case RECOVERABLE_DEFINED:
                    if (snippet instanceof DeclarationSnippet) {
                        List<String> missing = shell.unresolvedDependencies((DeclarationSnippet) snippet)
                                .collect(Collectors.toList());
                        if (event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED)
                            throw new CompileError("unresolved: " + missing,
                                    List.of("error: " + describe(snippet) + " refers to undefined " + String.join(", ", missing)));
                    }
                    break;
                default:
                    break;
            }
            value = showsValue(snippet) ? live : NO_VALUE;
        }
        return value;
    }

    /** Expressions show their value; declarations and statements do not (IJava does the same). */
    private static boolean showsValue(Snippet snippet) {
        switch (snippet.subKind()) {
            case TEMP_VAR_EXPRESSION_SUBKIND:
            case VAR_VALUE_SUBKIND:
            case ASSIGNMENT_SUBKIND:
                return true;
            default:
                return false;
        }
    }

    private CompileError compileError(Snippet snippet, String source, int firstLine) {
        List<Diag> diags = shell.diagnostics(snippet).filter(Diag::isError).collect(Collectors.toList());
        if (diags.isEmpty()) diags = shell.diagnostics(snippet).collect(Collectors.toList());
        List<String> lines = new ArrayList<>();
        String summary = diags.isEmpty() ? "the code was rejected" : diags.get(0).getMessage(Locale.ROOT);
        if (diags.isEmpty()) lines.add(ErrorStyle.red("error: ") + "JShell rejected this code:\n" + source.strip());
        for (Diag d : diags) {
            lines.addAll(CodePointer.point(source, firstLine, d.getStartPosition(), d.getEndPosition(),
                    d.getPosition(), (d.isError() ? "error: " : "warning: ") + d.getMessage(Locale.ROOT)));
        }
        return new CompileError(summary, lines);
    }

    private static String describe(Snippet snippet) {
        return snippet.kind().name().toLowerCase(Locale.ROOT) + " '" + snippet.source().strip().lines().findFirst().orElse("") + "'";
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == c) n++;
        return n;
    }

    @Override
    public void close() {
        shell.close();
    }

    /** Output JShell itself writes goes to whatever System.out/err is now (the kernel swaps them per cell). */
    private static final class Delegate extends OutputStream {
        private final boolean out;

        Delegate(boolean out) {
            this.out = out;
        }

        private PrintStream target() {
            return out ? System.out : System.err;
        }

        @Override
        public void write(int b) {
            target().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            target().write(b, off, len);
        }

        @Override
        public void flush() {
            target().flush();
        }
    }
}
