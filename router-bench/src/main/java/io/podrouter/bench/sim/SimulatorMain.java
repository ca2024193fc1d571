package io.podrouter.bench.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Command line of the cluster simulator: runs every selected router configuration and strategy on the
 * scenario, prints the table, and writes {@code simulation.csv} and {@code simulation.svg} to the
 * output directory.
 *
 * <p>Suite mode ({@code --suite=default} or a directory, or {@code --scenario=FILE --seeds=...}) runs every
 * scenario file times seeds through {@link Suite} and writes {@code suite.csv}, {@code summary.md}
 * ({@link SuiteSummary}) and {@code suite-run.txt} (wall time) to {@code --out} (default
 * {@code router-bench/sim-out/suite}); {@code --docFrom=DIR} regenerates SIMULATION.md's tables from such a
 * directory ({@link SimulationDoc}).
 *
 * <p>Arguments: {@code --key=value} for any {@link Scenario#PARAMETERS parameter},
 * {@code --scenario=file.properties} to load a scenario file first (command-line values override it),
 * {@code --preset=stress} for the 1,000-pod stress scenario (also overridable), {@code --help}.
 * Defaults: {@link Scenario#defaults()}. The default output directory is {@code router-bench/sim-out},
 * relative to the working directory, unless the system property {@code podrouter.sim.out} names
 * another (the Maven exec configuration sets it to the module's {@code sim-out}).
 */
public final class SimulatorMain {

    /** The stress preset: 1,000 pods (900 warm, 100 added) and 10 million requests. */
    public static final Map<String, String> STRESS_PRESET = Map.of(
            "initialPods", "900", "scaleOutPods", "100", "baseRate", "15000", "stepRate", "20000",
            "loadStepAt", "60", "scaleOutAt", "75", "duration", "1000", "maxRequests", "10000000",
            "chart", "false");

    private SimulatorMain() {
    }

    /** Runs the simulator; exits with status 2 on bad arguments. */
    public static void main(String[] args) throws IOException {
        Map<String, String> values;
        try {
            values = parseArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (values == null) {
            System.out.println(usage());
            return;
        }
        try {
            if (values.containsKey(DOC_FROM)) {
                SimulationDoc.regenerate(Path.of(values.get(DOC_FROM)), Path.of(values.getOrDefault(DOC, "router-bench/SIMULATION.md")));
                return;
            }
            if (values.containsKey(FAMILY_DOC)) {
                String scenarios = values.get(SUITE);
                if (scenarios == null) {
                    throw new IllegalArgumentException("familyDoc: " + values.get(FAMILY_DOC)
                            + " (expected: with --suite=DIR, the family's scenario files)");
                }
                FamilyReport.regenerateDoc(Path.of(values.get(FAMILY_DOC)), Path.of(scenarios),
                        Path.of(values.getOrDefault(DOC, "router-bench/SIMULATION.md")), "Scenario family " + values.getOrDefault(TITLE, ""));
                return;
            }
            if (values.containsKey(FAMILY_REPORT)) {
                String scenarios = values.get(SUITE);
                if (scenarios == null) {
                    throw new IllegalArgumentException("familyReport: " + values.get(FAMILY_REPORT)
                            + " (expected: with --suite=DIR, the family's scenario files)");
                }
                FamilyReport.write(Path.of(values.get(FAMILY_REPORT)), Path.of(scenarios), "Scenario family " + values.getOrDefault(TITLE, ""));
                return;
            }
            if (values.containsKey(RANDOM)) {
                runRandom(values);
                return;
            }
            if (values.containsKey(SUITE) || values.containsKey(SEEDS)) {
                runSuite(values);
                return;
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        values.remove(SCENARIO_FILE);
        Scenario scenario;
        try {
            scenario = Scenario.parse(values);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<RunResult> runs = runAll(scenario, true);
        System.out.println();
        System.out.print(Report.table(runs));
        Path out = Path.of(scenario.outDir());
        Files.createDirectories(out);
        Files.writeString(out.resolve("simulation.csv"), Report.csv(scenario, runs), StandardCharsets.UTF_8);
        if (scenario.chart()) {
            Files.writeString(out.resolve("simulation.svg"), SvgChart.render(scenario, runs), StandardCharsets.UTF_8);
        }
        long events = runs.stream().mapToLong(RunResult::events).sum();
        double wall = runs.stream().mapToDouble(RunResult::wallSeconds).sum();
        System.out.printf(Locale.ROOT, "%n%d runs, %d events in %.1f s of simulation (%.0f events/s); output in %s%n",
                runs.size(), events, wall, events / wall, out.toAbsolutePath().normalize());
    }

    private static final String SUITE = "suite";
    private static final String SEEDS = "seeds";
    private static final String THREADS = "threads";
    private static final String SCENARIO_FILE = "scenario-file";
    private static final String DOC_FROM = "docFrom";
    private static final String DOC = "doc";
    private static final String RANDOM = "random";
    private static final String FAMILY_REPORT = "familyReport";
    private static final String FAMILY_DOC = "familyDoc";
    private static final String TITLE = "title";
    private static final String RANDOM_SEED = "randomSeed";
    /** Marks that {@code out} came from the command line, not from the launcher's system property. */
    private static final String OUT_FROM_CLI = "out-from-cli";

    /** Suite mode: {@code --suite=default|DIR} or {@code --scenario=FILE --seeds=...}. */
    private static void runSuite(Map<String, String> values) throws IOException {
        Map<String, String> overrides = new LinkedHashMap<>(values);
        overrides.remove(OUT_FROM_CLI);
        String suite = overrides.remove(SUITE);
        String seedText = overrides.remove(SEEDS);
        String threadText = overrides.remove(THREADS);
        String file = overrides.remove(SCENARIO_FILE);
        overrides.put("chart", "false");
        String outDir = overrides.remove("out");
        List<Path> files;
        if (suite != null && file != null) {
            throw new IllegalArgumentException("suite: " + suite + " (expected: either --suite or --scenario, not both)");
        } else if (file != null) {
            files = List.of(Path.of(file));
        } else if (suite == null || suite.equals("default")) {
            String dir = System.getProperty("podrouter.sim.scenarios");
            files = Suite.scenarioFiles(Path.of(dir != null && !dir.isBlank() ? dir : "router-bench/scenarios"));
        } else {
            files = Suite.scenarioFiles(Path.of(suite));
        }
        List<Long> seeds = parseSeeds(seedText == null ? "1,2,3,4,5" : seedText);
        int threads = threadText == null ? Runtime.getRuntime().availableProcessors() : parseThreads(threadText);
        List<Scenario> scenarios = new ArrayList<>();
        for (Path f : files) {
            scenarios.add(Suite.load(f, overrides));
        }
        // The Maven launcher's default output directory (podrouter.sim.out) gets a suite/ subdirectory.
        boolean launcherDefault = outDir != null && outDir.equals(System.getProperty("podrouter.sim.out"))
                && !values.containsKey(OUT_FROM_CLI);
        Path out = outDir == null ? Path.of("router-bench/sim-out/suite")
                : launcherDefault ? Path.of(outDir, "suite") : Path.of(outDir);
        System.out.printf(Locale.ROOT, "suite: %d scenarios x %d seeds on %d threads%n", scenarios.size(), seeds.size(), threads);
        long start = System.nanoTime();
        String csv = Suite.run(scenarios, seeds, threads);
        double wall = (System.nanoTime() - start) / 1e9;
        Files.createDirectories(out);
        Files.writeString(out.resolve("suite.csv"), csv, StandardCharsets.UTF_8);
        String summary = SuiteSummary.markdown(SuiteSummary.parse(csv), CacheSummary.workloads(scenarios));
        Files.writeString(out.resolve("summary.md"), summary, StandardCharsets.UTF_8);
        long rows = csv.lines().count() - 1;
        String run = String.format(Locale.ROOT, "%d runs (%d scenarios x %d seeds) in %.1f s wall on %d threads, %d cores%n",
                rows, scenarios.size(), seeds.size(), wall, threads, Runtime.getRuntime().availableProcessors());
        Files.writeString(out.resolve("suite-run.txt"), run, StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(summary);
        System.out.println();
        System.out.print(run);
        if (wall > Suite.BUDGET_SECONDS) {
            System.out.printf(Locale.ROOT, "over the %.0f s budget%n", Suite.BUDGET_SECONDS);
        }
        System.out.println("output in " + out.toAbsolutePath().normalize());
    }

    /**
     * Random mode: {@code --random=N --randomSeed=S --out=DIR} draws N scenarios ({@link ScenarioGenerator}), writes
     * them to {@code DIR/scenarios/} and runs them as a suite (seeds {@code --seeds}, default 1,2,3) into
     * {@code DIR/suite.csv}, {@code DIR/summary.md} and {@code DIR/suite-run.txt}.
     */
    private static void runRandom(Map<String, String> values) throws IOException {
        Map<String, String> rest = new LinkedHashMap<>(values);
        String n = rest.remove(RANDOM);
        String seed = rest.remove(RANDOM_SEED);
        String out = rest.remove("out");
        boolean outFromCli = rest.remove(OUT_FROM_CLI) != null;
        if (seed == null) {
            throw new IllegalArgumentException("randomSeed: missing (expected: --randomSeed=S with --random=N)");
        }
        if (out == null || !outFromCli) {
            throw new IllegalArgumentException("out: missing (expected: --out=DIR with --random=N)");
        }
        if (rest.containsKey(SUITE) || rest.containsKey(SCENARIO_FILE)) {
            throw new IllegalArgumentException("random: " + n + " (expected: not with --suite or --scenario)");
        }
        int count;
        long familySeed;
        try {
            count = Integer.parseInt(n.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("random: " + n + " (expected: an integer 1 to 9999)", e);
        }
        try {
            familySeed = Long.parseLong(seed.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("randomSeed: " + seed + " (expected: an integer)", e);
        }
        Path dir = Path.of(out).resolve("scenarios");
        List<ScenarioGenerator.Drawn> drawn = ScenarioGenerator.draw(count, familySeed);
        ScenarioGenerator.write(drawn, dir);
        System.out.printf(Locale.ROOT, "random: %d scenarios (family seed %d) written to %s%n", count, familySeed,
                dir.toAbsolutePath().normalize());
        rest.put(SUITE, dir.toString());
        rest.putIfAbsent(SEEDS, "1,2,3");
        rest.put("out", out);
        rest.put(OUT_FROM_CLI, "true");
        runSuite(rest);
        // The family report replaces the suite summary (same CSV, ratios with intervals).
        FamilyReport.write(Path.of(out), dir, String.format(Locale.ROOT, "Scenario family: %d random scenarios, family seed %d", count, familySeed));
    }

    static List<Long> parseSeeds(String text) {
        List<Long> seeds = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                seeds.add(Long.parseLong(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("seeds: " + text + " (expected: comma-separated integers, e.g. 1,2,3)", e);
            }
        }
        if (seeds.stream().distinct().count() != seeds.size()) {
            throw new IllegalArgumentException("seeds: " + text + " (expected: no seed twice)");
        }
        return List.copyOf(seeds);
    }

    private static int parseThreads(String text) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("threads: " + text + " (expected: an integer >= 1)");
    }

    /** Runs every applicable (configuration, strategy) pair, strategies outermost; prints progress when asked. */
    public static List<RunResult> runAll(Scenario scenario, boolean progress) {
        // On a thread of round robin's fixed stripe, as in the suite, so both give the same figures.
        List<RunResult> out = new ArrayList<>();
        RuntimeException[] error = new RuntimeException[1];
        Thread t = Suite.sameStripeThreads().newThread(() -> {
            try {
                out.addAll(runAllHere(scenario, progress));
            } catch (RuntimeException e) {
                error[0] = e;
            }
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (error[0] != null) {
            throw error[0];
        }
        return out;
    }

    private static List<RunResult> runAllHere(Scenario scenario, boolean progress) {
        if (progress) {
            System.out.println("scenario: " + scenario.describe());
        }
        List<RunResult> runs = new ArrayList<>();
        for (StrategyKind kind : scenario.strategies()) {
            for (RouterConfig config : scenario.configs()) {
                if (!config.appliesTo(kind)) {
                    continue;
                }
                RunResult r = new Simulation(scenario, config, kind).run();
                runs.add(r);
                if (progress) {
                    System.out.printf(Locale.ROOT, "  %-12s %-15s %9d requests %8d failed  %10d events %6.2f s%n",
                            config.label(), kind.label(), r.requests(), r.failed(), r.events(), r.wallSeconds());
                }
            }
        }
        return runs;
    }

    /** The effective key/value map, or null for {@code --help}. */
    static Map<String, String> parseArgs(String[] args) throws IOException {
        Map<String, String> cli = new LinkedHashMap<>();
        Map<String, String> merged = new LinkedHashMap<>();
        String out = System.getProperty("podrouter.sim.out");
        if (out != null && !out.isBlank()) {
            merged.put("out", out);
        }
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return null;
            }
            if (!arg.startsWith("--") || arg.indexOf('=') < 3) {
                throw new IllegalArgumentException("argument: " + arg + " (expected: --key=value)");
            }
            cli.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        String preset = cli.remove("preset");
        if (preset != null) {
            if (!preset.equals("stress")) {
                throw new IllegalArgumentException("preset: " + preset + " (expected: stress)");
            }
            merged.putAll(STRESS_PRESET);
        }
        String file = cli.remove("scenario");
        if (file != null) {
            if (cli.containsKey(SUITE) || cli.containsKey(SEEDS)) {
                merged.put(SCENARIO_FILE, file); // suite mode reads the file itself
            } else {
                String name = Path.of(file).getFileName().toString().replaceFirst("\\.properties$", "");
                merged.put("name", name);
                merged.putAll(Scenario.readProperties(Path.of(file)));
            }
        }
        merged.putAll(cli);
        if (cli.containsKey("out") && (cli.containsKey(SUITE) || cli.containsKey(SEEDS) || cli.containsKey(RANDOM))) {
            merged.put(OUT_FROM_CLI, "true");
        }
        return merged;
    }

    static String usage() {
        StringBuilder sb = new StringBuilder("usage: SimulatorMain [--scenario=file.properties] [--preset=stress] [--key=value ...]\n"
                + "       SimulatorMain --suite=default|DIR [--seeds=1,2,3,4,5] [--threads=N] [--out=DIR] [--key=value ...]\n"
                + "       SimulatorMain --scenario=FILE --seeds=1,2,3 [--out=DIR]   (one file through the suite path)\n"
                + "       SimulatorMain --random=N --randomSeed=S --out=DIR [--seeds=1,2,3] [--threads=N]   (draw N scenarios, run them)\n"
                + "       SimulatorMain --familyReport=DIR --suite=SCENARIO_DIR [--title=TEXT]   (DIR/suite.csv -> summary.md, ratios.svg)\n"
                + "       SimulatorMain --familyDoc=DIR --suite=SCENARIO_DIR [--doc=router-bench/SIMULATION.md]   (report + the doc's family part)\n"
                + "       SimulatorMain --docFrom=DIR [--doc=router-bench/SIMULATION.md]   (regenerate the doc's tables)\n");
        for (Map.Entry<String, String[]> e : Scenario.PARAMETERS.entrySet()) {
            sb.append(String.format(Locale.ROOT, "  --%-22s default %-22s %s%n", e.getKey(), e.getValue()[0], e.getValue()[1]));
        }
        return sb.toString();
    }
}
