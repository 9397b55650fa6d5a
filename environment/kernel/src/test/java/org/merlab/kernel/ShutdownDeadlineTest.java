package org.merlab.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The countdown from an answered shutdown to the process's end (without ending this JVM). */
class ShutdownDeadlineTest {

    @Test
    void endsTheProcessWhenTheGraceRunsOut() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        Thread t = ShutdownDeadline.start(Duration.ofMillis(50), ended::countDown);
        assertTrue(t.isDaemon(), "a daemon: an orderly exit does not wait for it");
        assertTrue(ended.await(10, TimeUnit.SECONDS), "the exit action ran after the grace");
    }

    @Test
    void doesNothingBeforeTheGrace() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        Thread t = ShutdownDeadline.start(Duration.ofSeconds(30), ended::countDown);
        assertFalse(ended.await(300, TimeUnit.MILLISECONDS), "no exit within the grace");
        t.interrupt();
        t.join(5_000);
        assertFalse(t.isAlive());
        assertFalse(ended.await(0, TimeUnit.MILLISECONDS), "an interrupted countdown does not end the process");
    }
}
