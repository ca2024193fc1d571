package io.podrouter.bench.sim;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One pod's capacity in output tokens per second, the denominator of the simulator's utilisation.
 *
 * <p>Measured, not derived: one warm pod of the scenario's GPU, engine limits and length profile is driven
 * far past saturation (Poisson arrivals at a rate that quadruples until the pod's queue grows, timeout
 * 1,000 s) for 90 s, and the output tokens it generates per second over [30 s, 90 s) are its capacity.
 * Output tokens are the work a user asked for; counting them (not "a step was running") means that a pod
 * running one request is not "fully utilised". A trace scenario is calibrated with its {@code lengths}
 * profile. The exponential pod model has its exact capacity, {@code maxNumSeqs / serviceSeconds} (one
 * "token" per request).
 *
 * <p>Thread-safe: results are cached per pod model and length profile (a calibration costs well under a
 * second); two threads may both calibrate the same key once, with the same result.
 */
public final class Capacity {

    private static final Map<String, Double> CACHE = new ConcurrentHashMap<>();

    private Capacity() {
    }

    /** Output tokens per second of one saturated pod of {@code s}'s pod model and length profile. */
    public static double of(Scenario s) {
        if (s.podModel() == Scenario.PodModel.EXPONENTIAL) {
            return s.maxNumSeqs() / s.serviceSeconds();
        }
        String key = s.stepModel().name() + "/" + s.maxNumSeqs() + "/" + s.maxBatchedTokens() + "/" + s.kvCapacityTokens()
                + "/" + s.lengths().label() + "/" + s.maxPromptTokens() + "/" + s.maxOutputTokens();
        Double cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        double measured = measure(s);
        CACHE.putIfAbsent(key, measured);
        return measured;
    }

    private static double measure(Scenario s) {
        double rate = 50;
        while (true) {
            Scenario c = calibration(s, rate);
            Simulation sim = new Simulation(c, RouterConfig.PLAIN, StrategyKind.LEAST_REQUEST, Double.NaN);
            RunResult r = sim.run();
            // Saturated when requests wait at the pod for seconds on average: the batch is then always full.
            if (r.meanWait() > 5 || rate > 1e5) {
                return sim.tokensPerPodSecond(30, 90);
            }
            rate *= 4;
        }
    }

    private static Scenario calibration(Scenario s, double rate) {
        Map<String, String> p = new java.util.HashMap<>();
        p.put("name", "calibration");
        p.put("seed", "1");
        p.put("duration", "90");
        p.put("gpu", s.stepModel().name());
        p.put("initialPods", "1");
        p.put("warmReadySince", "past");
        p.put("maxNumSeqs", Integer.toString(s.maxNumSeqs()));
        p.put("maxBatchedTokens", Integer.toString(s.maxBatchedTokens()));
        p.put("kvCapacityTokens", Long.toString(s.kvCapacityTokens()));
        p.put("lengths", s.lengths().label());
        p.put("maxPromptTokens", Integer.toString(s.maxPromptTokens()));
        p.put("maxOutputTokens", Integer.toString(s.maxOutputTokens()));
        p.put("baseRate", Double.toString(rate));
        p.put("stepRate", Double.toString(rate));
        p.put("scaleOutPods", "0");
        p.put("timeout", "1000");
        p.put("scrapeInterval", "10");
        p.put("chart", "false");
        return Scenario.parse(p);
    }
}
