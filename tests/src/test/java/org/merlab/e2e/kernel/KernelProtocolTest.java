package org.merlab.e2e.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Protocol behaviour of the installed kernel through jupyter_client: it binds to the connection file's
 * address only, rejects (and logs) badly signed messages and keeps serving, answers kernel_info,
 * completion, inspection and is_complete, restarts and shuts down cleanly.
 */
class KernelProtocolTest {
    private static JsonNode r;

    @BeforeAll
    static void runProtocolChecks() throws Exception {
        Jupyter.requireJupyter();
        Jupyter.Result result = Jupyter.run(List.of("protocol", Jupyter.ARTIFACTS.resolve("protocol").toString()), 300);
        assertEquals(0, result.exitCode(), "driver failed:\n" + result.stderr());
        r = result.json();
    }

    @Test
    void bindsOnlyToTheConnectionFileAddress() {
        assertEquals("127.0.0.1", r.path("ip").asText());
        r.path("bound").fields().forEachRemaining(e -> {
            List<String> addresses = new ArrayList<>();
            e.getValue().forEach(a -> addresses.add(a.asText()));
            assertEquals(List.of("127.0.0.1"), addresses, e.getKey() + " channel listens on " + addresses);
        });
    }

    @Test
    void badlySignedMessagesAreRejectedLoggedAndTheKernelKeepsServing() {
        assertEquals(0, r.path("replies_to_bad_hmac").size(), "no reply to a bad signature: " + r.path("replies_to_bad_hmac"));
        assertEquals("41", r.path("after_bad_hmac").asText(), "the badly signed execute_request did not run, the next one did");
        String log = r.path("log_text").asText();
        assertTrue(log.contains("rejected a message on the shell channel"), log);
        assertTrue(log.contains("rejected a message on the control channel"), log);
        assertEquals("Java", r.path("language_info").path("name").asText());
        assertEquals("merlab-kernel", r.path("kernel_info").path("implementation").asText());
    }

    @Test
    void completion() {
        JsonNode c = r.path("complete");
        assertEquals("ok", c.path("status").asText());
        List<String> matches = new ArrayList<>();
        c.path("matches").forEach(m -> matches.add(m.asText()));
        assertTrue(matches.contains("max("), "Math.ma → " + matches);
        assertEquals(5, c.path("cursor_start").asInt());
        assertEquals(7, c.path("cursor_end").asInt());
        List<String> members = new ArrayList<>();
        r.path("complete_member").forEach(m -> members.add(m.asText()));
        assertTrue(members.contains("toUpperCase("), "greeting.toUpp → " + members);
    }

    @Test
    void inspection() {
        JsonNode i = r.path("inspect");
        assertEquals("ok", i.path("status").asText());
        assertTrue(i.path("found").asBoolean(), i.toString());
        assertTrue(i.path("text").asText().contains("max("), i.toString());
    }

    @Test
    void isComplete() {
        assertEquals("complete", r.path("is_complete").path("int x = 1;").asText());
        assertEquals("incomplete", r.path("is_complete").path("for (int i = 0; i < 3; i++) {").asText());
        assertEquals("invalid", r.path("is_complete").path("int x = ;)").asText());
    }

    @Test
    void restartStartsAFreshKernel() {
        JsonNode restart = r.path("restart");
        assertNotEquals(restart.path("old_pid").asLong(), restart.path("new_pid").asLong());
        assertFalse(restart.path("old_alive").asBoolean(), "old kernel process gone");
        assertEquals("3", restart.path("result").asText());
        assertTrue(restart.path("state_gone").asBoolean(), "variables of the old kernel are gone");
    }

    @Test
    void shutdownExitsCleanly() {
        JsonNode s = r.path("shutdown");
        String context = s + "\nkernel log (tail):\n" + r.path("log_text").asText();
        assertEquals("shutdown_reply", s.path("reply").asText(), context);
        assertEquals(0, s.path("exit_code").asInt(-1), context);
        assertTrue(s.path("seconds").asDouble() < 10, context);
    }
}
