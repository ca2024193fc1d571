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
        Files.writeString(out.resolve("simulation.csv"), Report.csv(runs), StandardCharsets.UTF_8);
        if (scenario.chart()) {
            Files.writeString(out.resolve("simulation.svg"), SvgChart.render(scenario, runs), StandardCharsets.UTF_8);
        }
        long events = runs.stream().mapToLong(RunResult::events).sum();
        double wall = runs.stream().mapToDouble(RunResult::wallSeconds).sum();
        System.out.printf(Locale.ROOT, "%n%d runs, %d events in %.1f s of simulation (%.0f events/s); output in %s%n",
                runs.size(), events, wall, events / wall, out.toAbsolutePath().normalize());
    }

    /** Runs every applicable (configuration, strategy) pair, strategies outermost; prints progress when asked. */
    public static List<RunResult> runAll(Scenario scenario, boolean progress) {
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
            merged.putAll(Scenario.readProperties(Path.of(file)));
        }
        merged.putAll(cli);
        return merged;
    }

    static String usage() {
        StringBuilder sb = new StringBuilder("usage: SimulatorMain [--scenario=file.properties] [--preset=stress] [--key=value ...]\n");
        for (Map.Entry<String, String[]> e : Scenario.PARAMETERS.entrySet()) {
            sb.append(String.format(Locale.ROOT, "  --%-22s default %-22s %s%n", e.getKey(), e.getValue()[0], e.getValue()[1]));
        }
        return sb.toString();
    }
}
