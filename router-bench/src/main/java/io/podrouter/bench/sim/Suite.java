package io.podrouter.bench.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.stream.Stream;

/**
 * The scenario suite: every scenario file of a directory (or one file) times every seed times every
 * applicable (configuration, strategy), run as independent simulations on a thread pool, written as one
 * CSV ({@link Report#CSV_HEADER}) in a fixed order (scenario file name, seed, strategy, configuration), so
 * the same inputs give byte-identical output whatever the pool size.
 *
 * <p>Round robin picks its cursor stripe by the calling thread's id, which would make its runs depend on
 * which pool thread ran them; every simulation therefore runs on a thread whose id is a multiple of 64
 * ({@link #sameStripeThreads()}), the same stripe for every run.
 *
 * <p>Thread-safe: {@link #run} builds its own pool and shuts it down.
 */
public final class Suite {

    /** Wall-clock time above which the suite is reported as over its 10-minute budget. */
    public static final double BUDGET_SECONDS = 600;

    private Suite() {
    }

    /**
     * The scenario files of {@code dir} ({@code *.properties}, sorted by name).
     *
     * @throws IOException when the directory cannot be listed; {@link IllegalArgumentException} when it holds none
     */
    public static List<Path> scenarioFiles(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".properties")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("suite: " + dir + " (expected: a directory with *.properties scenario files)");
        }
        return files;
    }

    /**
     * Reads a scenario file with {@code overrides} on top; its name defaults to the file name without
     * {@code .properties}.
     */
    public static Scenario load(Path file, Map<String, String> overrides) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        String fileName = file.getFileName().toString();
        values.put("name", fileName.endsWith(".properties") ? fileName.substring(0, fileName.length() - 11) : fileName);
        values.putAll(Scenario.readProperties(file));
        values.putAll(overrides);
        try {
            return Scenario.parse(values);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs every scenario with every seed (each scenario's own seed is replaced) and returns the CSV text.
     *
     * @param threads pool size, at least 1
     */
    public static String run(List<Scenario> scenarios, List<Long> seeds, int threads) {
        Objects.requireNonNull(scenarios, "scenarios: null");
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("seeds: empty (expected: at least one seed)");
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, sameStripeThreads());
        try {
            List<Future<String>> rows = new ArrayList<>();
            for (Scenario base : scenarios) {
                for (long seed : seeds) {
                    Scenario s = base.withSeed(seed);
                    for (StrategyKind kind : s.strategies()) {
                        for (RouterConfig config : s.configs()) {
                            if (!config.appliesTo(kind)) {
                                continue;
                            }
                            rows.add(pool.submit(() -> {
                                StringBuilder sb = new StringBuilder();
                                Report.row(sb, s.name(), s.seed(), new Simulation(s, config, kind).run());
                                return sb.toString();
                            }));
                        }
                    }
                }
            }
            StringBuilder csv = new StringBuilder(Report.CSV_HEADER).append('\n');
            for (Future<String> f : rows) {
                csv.append(f.get());
            }
            return csv.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("suite interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException("suite run failed: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A thread factory whose threads all have an id that is a multiple of 64, so that round robin's striped
     * cursor is the same on each (ids are handed out when a thread is constructed; unused candidates are
     * never started and are collected).
     */
    public static ThreadFactory sameStripeThreads() {
        return task -> {
            synchronized (Suite.class) {
                while (true) {
                    Thread t = new Thread(task, "podrouter-sim");
                    @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; getId() is the same value on 17
                    long id = t.getId();
                    if ((id & 63) == 0) {
                        t.setDaemon(true);
                        return t;
                    }
                }
            }
        };
    }
}
