package org.merlab.kernel;

import java.lang.reflect.Field;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.channels.ShellChannel;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import io.github.spencerpark.jupyter.messages.HMACGenerator;
import org.zeromq.ZMQ;

/**
 * The base kernel's connection with its shell and control channels replaced by {@link ServingChannel}s
 * (request latency, bad-HMAC robustness). jupyter-jvm-basekernel 2.3.0 is pinned and builds those
 * channels in its constructor into final fields, so they are swapped reflectively before
 * {@link #connect()}; heartbeat, iopub and stdin stay the library's.
 */
final class ResilientConnection extends JupyterConnection {
    ResilientConnection(KernelConnectionProperties props) throws NoSuchAlgorithmException, InvalidKeyException {
        super(props);
        try {
            Field ctxField = JupyterConnection.class.getDeclaredField("ctx");
            ctxField.setAccessible(true);
            ZMQ.Context ctx = (ZMQ.Context) ctxField.get(this);
            HMACGenerator hmac = props.createHMACGenerator();
            replace("shell", new ServingChannel(ctx, hmac, false, this));
            replace("control", new ServingChannel(ctx, hmac, true, this));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("unexpected jupyter-jvm-basekernel version (2.3.0 is required)", e);
        }
    }

    private void replace(String fieldName, ShellChannel channel) throws ReflectiveOperationException {
        Field f = JupyterConnection.class.getDeclaredField(fieldName);
        f.setAccessible(true);
        ShellChannel old = (ShellChannel) f.get(this);
        f.set(this, channel);
        old.close(); // never bound
    }
}
