package dev.lamina.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The messages a logger receives while a piece of test code runs. */
public final class LogCapture {
    private LogCapture() {
    }

    /**
     * Runs {@code body} with a handler on {@code log} and returns the messages it received, in order.
     *
     * @param log the logger to listen to
     * @param body the code to run
     * @return the messages logged while it ran
     */
    public static List<String> messages(Logger log, Runnable body) {
        List<String> messages = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                messages.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        try {
            body.run();
        } finally {
            log.removeHandler(h);
        }
        return messages;
    }
}
