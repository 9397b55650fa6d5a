package org.merlab.kernel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;

/**
 * {@code java -jar merlab-kernel.jar CONNECTION_FILE}: binds the five Jupyter channels to the address
 * in the connection file and serves until shutdown. Logs (stderr, the Jupyter server's console) at
 * {@code merlab.kernel.logLevel} (default INFO for the kernel, WARNING for the protocol library).
 */
public final class Main {
    private Main() { }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java -jar merlab-kernel.jar CONNECTION_FILE");
            System.exit(2);
        }
        configureLogging();
        KernelConnectionProperties props =
                KernelConnectionProperties.parse(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
        ResilientConnection connection = new ResilientConnection(props);
        MerlabKernel kernel = new MerlabKernel();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        MerlabKernel.LOG.info("merlab kernel listening on " + props.getTransport() + "://" + props.getIp()
                + " (shell " + props.getShellPort() + ")");
        connection.waitUntilClose();
        System.exit(0);
    }

    private static void configureLogging() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null)
            System.setProperty("java.util.logging.SimpleFormatter.format", "[merlab-kernel %4$s] %5$s%6$s%n");
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) root.removeHandler(h);
        ConsoleHandler console = new ConsoleHandler(); // stderr: the Jupyter server's log
        console.setFormatter(new SimpleFormatter());
        console.setLevel(Level.ALL);
        root.addHandler(console);
        root.setLevel(Level.WARNING);
        Level level = Level.parse(System.getProperty("merlab.kernel.logLevel", "INFO"));
        Logger.getLogger("merlab.kernel").setLevel(level);
    }
}
