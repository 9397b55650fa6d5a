package org.merlab.kernel.exec;

import java.util.Map;

import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/** Hands JShell the kernel's one {@link CellExecutionControl} (one JShell per kernel process). */
public final class CellExecutionControlProvider implements ExecutionControlProvider {
    private final CellExecutionControl control;

    public CellExecutionControlProvider(CellExecutionControl control) {
        this.control = control;
    }

    @Override
    public String name() {
        return "merlab";
    }

    @Override
    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
        return control;
    }
}
