package org.merlab.cli;

import picocli.CommandLine.Command;

/** {@code merlab bench ...}: measurements for docs/benchmarks.md (never timed tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks; results go to stdout as a table and JSON, for docs/benchmarks.md.",
        subcommands = {BenchLoadCommand.class, BenchSimCommand.class, BenchTrainCommand.class, BenchSweepCommand.class, BenchExtractCommand.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
