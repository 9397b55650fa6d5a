package org.merlab.kernel;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.kernel.ReplacementOptions;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.magic.registry.UndefinedMagicException;
import io.github.spencerpark.jupyter.kernel.util.GlobFinder;
import jdk.jshell.EvalException;
import jdk.jshell.JShellException;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import org.merlab.kernel.exec.CellEvaluator;
import org.merlab.kernel.exec.CellExecutionControl;
import org.merlab.kernel.exec.CompileError;
import org.merlab.kernel.exec.ErrorStyle;
import org.merlab.kernel.exec.IncompleteCellException;
import org.merlab.kernel.exec.RuntimeErrorFormatter;
import org.merlab.kernel.magic.CellParser;
import org.merlab.kernel.magic.MagicCommands;
import org.merlab.kernel.magic.MagicException;
import org.merlab.kernel.render.PlotlyBundle;
import org.merlab.kernel.render.Renderers;

/**
 * The merlab JShell kernel: cells run in one in-process JShell ({@link CellEvaluator}), values are
 * rendered by {@link Renderers}, IJava's magics by {@link MagicCommands}. The JShell is built and warmed
 * up on a background thread while Jupyter connects, so the first cell does not pay for it.
 */
public final class MerlabKernel extends BaseKernel {
    static final Logger LOG = Logger.getLogger("merlab.kernel");

    /** Imports every cell sees (IJava's, plus function/stream/nio.file) and the notebook API. */
    static final String STARTUP = String.join("\n",
            "import java.util.*;", "import java.io.*;", "import java.math.*;", "import java.net.*;",
            "import java.util.concurrent.*;", "import java.util.function.*;", "import java.util.stream.*;",
            "import java.util.regex.*;", "import java.nio.file.*;", "import static org.merlab.kernel.Notebook.*;",
            "import org.merlab.kernel.TrainingProgress;", "void printf(String format, Object... args) { System.out.printf(format, args); }");

    private final LanguageInfo languageInfo = new LanguageInfo.Builder("Java")
            .version(Runtime.version().toString()).mimetype("text/x-java-source").fileExtension(".jshell")
            .pygments("java").codemirror("java").build();
    private final CompletableFuture<CellEvaluator> evaluator;
    private final Renderers renderers;
    private final MagicCommands magics;
    private volatile RuntimeErrorFormatter runtimeErrors;
    private volatile Throwable lastUserException;

    public MerlabKernel() {
        this.renderers = new Renderers(getRenderer(), new PlotlyBundle(), this::display);
        this.magics = new MagicCommands(this::addToClasspath, code -> evalCode(code, 0));
        Notebook.attach(this);
        this.evaluator = CompletableFuture.supplyAsync(this::startShell);
    }

    private CellEvaluator startShell() {
        CellEvaluator e = new CellEvaluator(compilerOptions());
        e.addToClasspath(kernelJar());
        for (String entry : classpathFromEnv()) e.addToClasspath(entry);
        runtimeErrors = new RuntimeErrorFormatter(e.sourceMap());
        try {
            e.eval(STARTUP, 0, 1);
            for (String script : startupScripts()) e.eval(script, 0, 1);
            e.eval("1 + 1", 0, 1); // warm up the compiler and the execution path
        } catch (Exception ex) {
            LOG.log(Level.WARNING, "start-up code failed", ex);
        }
        return e;
    }

    CellEvaluator shell() {
        return evaluator.join();
    }

    Renderers renderers() {
        return renderers;
    }

    MagicCommands magics() {
        return magics;
    }

    /** Adds a jar or class directory to the notebook's class path (compiler and class loader). */
    public void addToClasspath(String path) {
        shell().addToClasspath(path);
    }

    // ---- cells --------------------------------------------------------------------------------

    @Override
    public DisplayData eval(String code) throws Exception {
        Object value = evalCode(code, executionCount.get() - 1);
        return value == CellEvaluator.NO_VALUE ? null : renderers.render(value);
    }

    /** {@link Notebook#eval}: the value of the code, null when it has none. */
    Object evalValue(String code) throws Exception {
        Object v = evalCode(code, 0);
        return v == CellEvaluator.NO_VALUE ? null : v;
    }

    private Object evalCode(String code, int cellNumber) throws Exception {
        Object last = CellEvaluator.NO_VALUE;
        for (CellParser.Part part : CellParser.parse(code)) {
            if (part.isMagic()) {
                try {
                    if (part.isCellMagic()) magics.cell(part.magic(), part.args(), part.body());
                    else magics.line(part.magic(), part.args());
                } catch (UndefinedMagicException | CellInterruptedException | CompileError e) {
                    throw e;
                } catch (Exception e) {
                    if (part.magic().equals("load") && (e instanceof JShellException || lastUserException != null)) throw e;
                    throw new MagicException(part.magic(), e);
                }
                last = CellEvaluator.NO_VALUE;
            } else {
                last = evalJava(part.code(), cellNumber, part.firstLine());
            }
        }
        return last;
    }

    private Object evalJava(String code, int cellNumber, int firstLine) throws Exception {
        CellEvaluator shell = shell();
        try {
            return shell.eval(code, cellNumber, firstLine);
        } catch (EvalException e) {
            if (CellExecutionControl.INTERRUPTED.equals(e.getExceptionClassName()))
                throw new CellInterruptedException("The cell was interrupted.");
            Throwable real = shell.takeLastThrown();
            if (real instanceof Exception) {
                lastUserException = real;
                throw (Exception) real; // the error shows the real exception's name and message
            }
            lastUserException = real != null ? real : e;
            throw e;
        }
    }

    // ---- errors -------------------------------------------------------------------------------

    @Override
    public List<String> formatError(Exception e) {
        if (e instanceof CompileError) return ((CompileError) e).lines();
        if (e instanceof IncompleteCellException || e instanceof CellInterruptedException
                || e instanceof UndefinedMagicException || e instanceof MagicException)
            return List.of(ErrorStyle.red(message(e)));
        if (e instanceof UnresolvedReferenceException) {
            UnresolvedReferenceException u = (UnresolvedReferenceException) e;
            List<String> missing = shell().shell().unresolvedDependencies(u.getSnippet()).collect(Collectors.toList());
            return List.of(ErrorStyle.red("error: " + u.getSnippet().source().strip().lines().findFirst().orElse("")
                    + " cannot run: it refers to undefined " + String.join(", ", missing)));
        }
        Throwable user = lastUserException;
        lastUserException = null;
        if (user != null && (user == e || e instanceof JShellException) && runtimeErrors != null)
            return runtimeErrors.format(user);
        return super.formatError(e); // a kernel or magic failure: the plain stack trace
    }

    private static String message(Exception e) {
        if (e instanceof UndefinedMagicException) {
            UndefinedMagicException u = (UndefinedMagicException) e;
            return "unknown " + (u.isCellMagic() ? "cell" : "line") + " magic %" + u.getMagicName()
                    + " (line magics: %jars, %classpath, %maven, %load)";
        }
        return e.getMessage();
    }

    // ---- completion, inspection ---------------------------------------------------------------

    @Override
    public ReplacementOptions complete(String code, int at) {
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> suggestions =
                shell().shell().sourceCodeAnalysis().completionSuggestions(code, at, anchor);
        if (suggestions == null || suggestions.isEmpty()) return null;
        List<String> options = new ArrayList<>();
        suggestions.stream().filter(SourceCodeAnalysis.Suggestion::matchesType)
                .map(SourceCodeAnalysis.Suggestion::continuation).distinct().forEach(options::add);
        suggestions.stream().map(SourceCodeAnalysis.Suggestion::continuation)
                .filter(s -> !options.contains(s)).distinct().forEach(options::add);
        return new ReplacementOptions(options, anchor[0], at);
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        int end = at;
        while (end < code.length() && Character.isJavaIdentifierPart(code.charAt(end))) end++;
        SourceCodeAnalysis analysis = shell().shell().sourceCodeAnalysis();
        List<SourceCodeAnalysis.Documentation> docs = analysis.documentation(code, end, true);
        if (docs.isEmpty()) {
            // a method name without its parenthesis: ask for the signatures of the call
            String call = end < code.length() && code.charAt(end) == '(' ? code : code.substring(0, end) + "(";
            docs = analysis.documentation(call, end + 1, true);
        }
        if (docs.isEmpty()) return null;
        String text = docs.stream().map(d -> d.signature() + (d.javadoc() != null ? "\n\n" + d.javadoc() : ""))
                .collect(Collectors.joining("\n\n"));
        DisplayData data = new DisplayData(text);
        data.putHTML("<pre>" + org.merlab.kernel.render.Html.escape(text) + "</pre>");
        return data;
    }

    @Override
    public String isComplete(String code) {
        String rest = code;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = shell().shell().sourceCodeAnalysis().analyzeCompletion(rest);
            switch (info.completeness()) {
                case DEFINITELY_INCOMPLETE:
                case CONSIDERED_INCOMPLETE:
                    return "    ";
                case UNKNOWN:
                    return IS_COMPLETE_BAD;
                case EMPTY:
                    return IS_COMPLETE_YES;
                default:
                    rest = info.remaining();
            }
        }
        return IS_COMPLETE_YES;
    }

    // ---- life cycle ---------------------------------------------------------------------------

    @Override
    public void interrupt() {
        if (evaluator.isDone()) shell().interrupt();
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        if (evaluator.isDone()) shell().close();
    }

    @Override
    public LanguageInfo getLanguageInfo() {
        return languageInfo;
    }

    @Override
    public String getBanner() {
        return "merlab Java kernel (JShell " + Runtime.version() + ")";
    }

    // ---- configuration ------------------------------------------------------------------------

    /** {@code MERLAB_CLASSPATH} (set by the kernelspec: lib and its dependencies) and {@code IJAVA_CLASSPATH}. */
    static List<String> classpathFromEnv() {
        List<String> entries = new ArrayList<>();
        for (String var : List.of("MERLAB_CLASSPATH", "IJAVA_CLASSPATH")) {
            String value = System.getenv(var);
            if (value == null || value.isBlank()) continue;
            for (String glob : value.split(File.pathSeparator)) {
                if (glob.isBlank()) continue;
                try {
                    List<Path> found = new ArrayList<>();
                    new GlobFinder(glob).computeMatchingPaths().forEach(found::add);
                    if (found.isEmpty()) LOG.warning(var + ": nothing matches " + glob);
                    found.stream().sorted().forEach(p -> entries.add(p.toAbsolutePath().toString()));
                } catch (IOException e) {
                    LOG.warning(var + ": cannot list " + glob + ": " + e.getMessage());
                }
            }
        }
        return entries;
    }

    private static List<String> compilerOptions() {
        String opts = System.getenv("IJAVA_COMPILER_OPTS");
        return opts == null || opts.isBlank() ? List.of() : Arrays.asList(opts.trim().split("\\s+"));
    }

    private static List<String> startupScripts() {
        List<String> scripts = new ArrayList<>();
        String paths = System.getenv("IJAVA_STARTUP_SCRIPTS_PATH");
        if (paths != null && !paths.isBlank()) {
            for (String glob : paths.split(File.pathSeparator)) {
                try {
                    for (Path p : new GlobFinder(glob).computeMatchingFiles()) scripts.add(Files.readString(p));
                } catch (IOException e) {
                    LOG.warning("IJAVA_STARTUP_SCRIPTS_PATH: " + e.getMessage());
                }
            }
        }
        String inline = System.getenv("IJAVA_STARTUP_SCRIPT");
        if (inline != null && !inline.isBlank()) scripts.add(inline);
        return scripts;
    }

    private static String kernelJar() {
        try {
            return Path.of(MerlabKernel.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (Exception e) {
            throw new IllegalStateException("cannot locate the kernel's jar", e);
        }
    }
}
