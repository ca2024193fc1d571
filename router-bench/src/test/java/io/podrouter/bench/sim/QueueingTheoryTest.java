package io.podrouter.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The event loop against queueing theory: one exponential pod behind the real router is an M/M/1 queue. */
class QueueingTheoryTest {

    private static RunResult mm1(double lambda, double mu, long seed) {
        Map<String, String> p = new HashMap<>();
        p.put("seed", Long.toString(seed));
        p.put("podModel", "exponential");
        p.put("serviceSeconds", Double.toString(1 / mu));
        p.put("maxNumSeqs", "1");
        p.put("initialPods", "1");
        p.put("scaleOutPods", "0");
        p.put("baseRate", Double.toString(lambda));
        p.put("stepRate", Double.toString(lambda));
        p.put("duration", "200000");
        p.put("timeout", "1000");
        p.put("scrapeInterval", "1000");
        p.put("scaleOutAt", "0");
        p.put("chart", "false");
        return new Simulation(Scenario.parse(p), RouterConfig.PODROUTER, StrategyKind.ROUND_ROBIN).run();
    }

    @Test
    void singleExponentialPodMatchesMm1MeanWaitAndSojourn() {
        // M/M/1 with rho = 0.5: W = 1/(mu - lambda) = 2 s, Wq = rho/(mu - lambda) = 1 s. About 100,000
        // requests; the seeded run lands within 5 % (the batch-means standard error is about 1.5 %).
        RunResult r = mm1(0.5, 1.0, 7);
        assertThat(r.failed()).isZero();
        assertThat(r.meanSojourn()).isCloseTo(2.0, within(0.10));
        assertThat(r.meanWait()).isCloseTo(1.0, within(0.05));
        assertThat(r.busyFraction()).isCloseTo(0.5, within(0.02));
        // Work done over capacity (1 request/s for one exponential server) is the same 0.5.
        assertThat(r.utilisation()).isCloseTo(0.5, within(0.02));
    }

    @Test
    void timeAverageInSystemObeysLittlesLaw() {
        RunResult r = mm1(0.5, 1.0, 11);
        double lambda = r.completed() / r.simulatedSeconds();
        // L = lambda W holds for the sample path up to the few requests in flight at the ends.
        assertThat(r.timeAverageInSystem()).isCloseTo(lambda * r.meanSojourn(), within(0.01 * r.timeAverageInSystem()));
        // and L = rho / (1 - rho) = 1 for M/M/1 at rho = 0.5, within 5 %.
        assertThat(r.timeAverageInSystem()).isCloseTo(1.0, within(0.05));
    }
}
