package org.merlab.e2e.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * IJava compatibility: a kernel started with {@code IJAVA_CLASSPATH=env-jars/*.jar} (a glob relative to the
 * kernel's working folder) sees the classes of that jar without any set-up cell. The class
 * ({@code tests/notebooks/kernel-fixtures/src/fixture/FromEnv.java}, compiled and jarred by the driver) is on
 * no other class path.
 */
class KernelClasspathEnvTest {

    @Test
    void ijavaClasspathAddsAJarToTheNotebook() throws Exception {
        Jupyter.requireJupyter();
        Jupyter.Result r = Jupyter.run(List.of("classpath-env", Jupyter.ROOT.resolve("tests/notebooks").toString(),
                Jupyter.ARTIFACTS.resolve("classpath-env").toString()), 300);
        assertEquals(0, r.exitCode(), "driver failed:\n" + r.stderr());
        JsonNode j = r.json();
        String log = "\nkernel log:\n" + j.path("log_text").asText();
        assertEquals("ok", j.path("status").asText(), "cell failed: " + j.path("error").asText() + log);
        assertEquals("hello kernel from IJAVA_CLASSPATH", j.path("result").asText(), log);
        assertTrue(j.path("loaded_from").asText().endsWith("env-jars/from-env.jar"),
                "fixture.FromEnv loaded from the IJAVA_CLASSPATH jar, not elsewhere: " + j.path("loaded_from").asText() + log);
    }
}
