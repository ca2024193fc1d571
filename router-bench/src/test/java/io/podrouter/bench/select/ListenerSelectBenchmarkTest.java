package io.podrouter.bench.select;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the listener benchmark's setup, operation and teardown outside JMH. */
class ListenerSelectBenchmarkTest {

    @Test
    void listenerHearsEverySelectionAndCompletionOnlyWhenSet() {
        for (boolean listener : new boolean[] {false, true}) {
            ListenerSelectBenchmark bench = new ListenerSelectBenchmark();
            bench.strategy = RouterStrategy.LEAST_REQUEST_P2C;
            bench.pods = 8;
            bench.listener = listener;
            bench.setUp();
            for (int i = 0; i < 100; i++) {
                assertThat(bench.oneThread().pod().ready()).isTrue();
            }
            bench.tearDown(); // throws when the listener missed an event, or heard one while unset
        }
    }
}
