package org.merlab.kernel;

import java.util.logging.Level;
import java.util.logging.Logger;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.channels.ShellChannel;
import io.github.spencerpark.jupyter.channels.ShellHandler;
import io.github.spencerpark.jupyter.channels.ShellReplyEnvironment;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import io.github.spencerpark.jupyter.messages.HMACGenerator;
import io.github.spencerpark.jupyter.messages.Message;
import org.zeromq.ZMQ;

/**
 * A shell or control channel that serves requests as they arrive and survives bad messages.
 * jupyter-jvm-basekernel 2.3.0's own loop polls every 50 ms (latency on every request) and lets the
 * {@link SecurityException} of a badly signed message end the channel; this one blocks in
 * {@code poll} (wakes at once for a message) and rejects, logs and drops a message it cannot verify or
 * parse, then keeps serving. It binds to the transport and address of the connection file only.
 */
final class ServingChannel extends ShellChannel {
    private static final Logger LOG = Logger.getLogger("merlab.kernel.channel");
    private static final long POLL_TIMEOUT_MS = 100;

    private final ZMQ.Context context;
    private final boolean isControl;
    private final JupyterConnection connection;
    private volatile boolean running;
    private volatile Thread loop;

    ServingChannel(ZMQ.Context context, HMACGenerator hmac, boolean isControl, JupyterConnection connection) {
        super(context, hmac, isControl, connection);
        this.context = context;
        this.isControl = isControl;
        this.connection = connection;
    }

    private String name() {
        return isControl ? "control" : "shell";
    }

    @Override
    public void bind(KernelConnectionProperties props) {
        if (loop != null) throw new IllegalStateException(name() + " channel already bound");
        String address = props.getTransport() + "://" + props.getIp() + ":"
                + (isControl ? props.getControlPort() : props.getShellPort());
        if (!super.bind(address)) throw new IllegalStateException("cannot bind " + address);
        ZMQ.Poller poller = context.poller(1);
        poller.register(this, ZMQ.Poller.POLLIN);
        running = true;
        Thread t = new Thread(() -> {
            while (running) {
                try {
                    if (poller.poll(POLL_TIMEOUT_MS) > 0 && running) serveOne();
                } catch (RuntimeException e) {
                    if (running) LOG.log(Level.WARNING, "error on the " + name() + " channel", e);
                }
            }
        }, "merlab-" + name());
        t.setDaemon(false);
        loop = t;
        t.start();
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private void serveOne() {
        Message message;
        try {
            message = readMessage();
        } catch (SecurityException e) {
            LOG.warning("rejected a message on the " + name() + " channel: " + e.getMessage()
                    + " (bad HMAC signature); dropped it");
            return;
        } catch (RuntimeException e) {
            LOG.warning("dropped an unreadable message on the " + name() + " channel: " + e);
            return;
        }
        if (message == null) return;
        ShellHandler handler = connection.getHandler(message.getHeader().getType());
        if (handler == null) {
            LOG.info("no handler for " + message.getHeader().getType().getName() + " on the " + name() + " channel");
            return;
        }
        ShellReplyEnvironment env = connection.prepareReplyEnv(this, message);
        try {
            handler.handle(env, message);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "failed to handle " + message.getHeader().getType().getName(), e);
        } finally {
            env.resolveDeferrals();
        }
        if (env.isMarkedForShutdown()) {
            running = false;
            ShutdownDeadline.startForProcess();
            connection.close();
        }
    }

    /**
     * Stops the loop, then closes the socket. A ZeroMQ socket belongs to one thread at a time, so when another
     * thread closes the channel (the control channel's shutdown closes the shell's) it first waits, boundedly,
     * for the loop to leave its poll; a cell still running past that gets its socket closed anyway.
     */
    @Override
    public void close() {
        running = false;
        Thread t = loop;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(2 * POLL_TIMEOUT_MS + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        super.close();
    }

    @Override
    public void waitUntilClose() {
        Thread t = loop;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
