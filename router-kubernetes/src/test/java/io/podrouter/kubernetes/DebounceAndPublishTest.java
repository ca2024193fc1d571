package io.podrouter.kubernetes;

import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.podrouter.kubernetes.K8sFixtures.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The machinery under both discoveries, without informers: a subclass whose "cache" is a supplier. The
 * scheduler is injected and held busy by the test, so what the debounce folds together is decided by the test,
 * not by timing.
 */
class DebounceAndPublishTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** A discovery whose state is whatever {@code state} returns. */
    static final class Fake extends AbstractPodDiscovery {
        volatile Supplier<@Nullable Map<String, List<Pod>>> state = Map::of;

        Fake(Settings s) {
            super("fake", s);
        }

        @Override
        void startInformers(long deadlineNanos) {
            rebuildNow(deadlineNanos);
        }

        @Override
        @Nullable Map<String, List<Pod>> rebuild() {
            return state.get();
        }
    }

    private Fake fake(PodDiscoveryListener listener) {
        Settings s = new Settings();
        s.scheduler(scheduler);
        s.debounce(Duration.ofMillis(100));
        s.listener(listener);
        return new Fake(s);
    }

    private static Pod pod(String id) {
        return Pod.ready(id, "10.0.0.1", 8000, Instant.parse("2026-01-01T00:00:00Z"));
    }

    private void drain() throws Exception {
        scheduler.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aThousandChangesWhileARebuildIsPendingFoldIntoOneRebuild() throws Exception {
        List<List<Pod>> published = new CopyOnWriteArrayList<>();
        Fake d = fake((model, pods) -> published.add(pods));
        d.start();
        long before = d.rebuildCount();
        CountDownLatch release = new CountDownLatch(1);
        scheduler.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            pods.add(pod("p" + i));
            List<Pod> snapshot = List.copyOf(pods);
            d.state = () -> Map.of("m", snapshot);
            d.markDirty();
        }
        release.countDown();
        await("rebuilt", () -> d.rebuildCount() == before + 1);
        drain();
        assertThat(d.rebuildCount()).isEqualTo(before + 1);
        assertThat(published).hasSize(1);
        assertThat(published.get(0)).hasSize(1000);
        d.close();
    }

    @Test
    void publishesOnlyChangesSortedAndImmutableAndAnnouncesAModelThatEmptied() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        Fake d = fake((model, pods) -> calls.add(model + "=" + pods.stream().map(Pod::id).toList()));
        d.state = () -> Map.of("b", List.of(pod("y"), pod("x")), "a", List.of(pod("z")));
        d.start();
        assertThat(calls).containsExactly("a=[z]", "b=[x, y]");
        assertThat(d.pods("b")).extracting(Pod::id).containsExactly("x", "y");
        assertThat(d.allPods()).extracting(Pod::id).containsExactly("x", "y", "z");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.pods("b").add(pod("w")))
                .isInstanceOf(UnsupportedOperationException.class);

        d.markDirty();
        await("rebuilt", () -> d.rebuildCount() == 2);
        assertThat(calls).as("same state: nothing published").hasSize(2);

        d.state = () -> Map.of("b", List.of(pod("x"), pod("y")));
        d.markDirty();
        await("rebuilt", () -> d.rebuildCount() == 3);
        assertThat(calls).containsExactly("a=[z]", "b=[x, y]", "a=[]");
        assertThat(d.podsByModel()).containsOnlyKeys("b");
        d.close();
    }

    @Test
    void aNullRebuildKeepsThePublishedStateAndAFailingListenerDoesNotStopTheOthers() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        Settings s = new Settings();
        s.scheduler(scheduler);
        s.debounce(Duration.ZERO);
        s.listener((model, pods) -> {
            throw new IllegalStateException("listener bug");
        });
        s.listener((model, pods) -> calls.add(model + "=" + pods.size()));
        Fake d = new Fake(s);
        d.state = () -> Map.of("m", List.of(pod("a")));
        d.start();
        assertThat(calls).containsExactly("m=1");

        d.state = () -> null;
        d.markDirty();
        await("rebuilt", () -> d.rebuildCount() == 2);
        assertThat(d.pods("m")).hasSize(1);

        d.state = () -> {
            throw new IllegalStateException("cache bug");
        };
        d.markDirty();
        await("rebuilt", () -> d.rebuildCount() == 3);
        assertThat(d.pods("m")).as("a failing rebuild keeps the last lists").hasSize(1);
        d.close();
        d.close();
        assertThat(d.pods("m")).as("readable after close").hasSize(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(d::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anInjectedSchedulerIsNotShutDown() {
        Fake d = fake((m, p) -> { });
        d.start();
        d.close();
        assertThat(scheduler.isShutdown()).isFalse();
    }
}
