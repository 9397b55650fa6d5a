package org.merlab.cli;

import org.merlab.data.DataException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code merlab}: one launcher for every command. Bad input ends with its one-line message and
 * exit code 2 (the stack trace only with {@code MERLAB_DEBUG=1}).
 */
@Command(name = "merlab", mixinStandardHelpOptions = true, version = "merlab 0.1.0",
        description = "Multimodal emotion recognition (MER 2023) research toolkit.",
        subcommands = {SimCommand.class, ScoreCommand.class, BenchCommand.class, RunCommand.class, ExtractCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    static {
        // DJL must never reach the network (platform.md); every path that may start it goes through here.
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    }

    public static void main(String[] args) {
        LauncherStderr.adopt(System.getenv());
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof DataException || ex instanceof IllegalArgumentException || ex instanceof UserError) {
                cmd.getErr().println("merlab " + cmd.getCommandName() + ": " + ex.getMessage());
                if (System.getenv("MERLAB_DEBUG") != null) ex.printStackTrace(cmd.getErr());
                return 2;
            }
            throw ex;
        });
        return cli.execute(args);
    }

    /** A user mistake that is not about a data file (bad option combination, missing output, ...). */
    public static final class UserError extends RuntimeException {
        public UserError(String message) {
            super(message);
        }
    }
}
