package io.podrouter.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scenario model's keys, their validation, the planned pod lifecycle and the measures' definitions. */
class ScenarioModelTest {

    private static Scenario scenario(String... kv) {
        Map<String, String> p = new HashMap<>();
        p.put("chart", "false");
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return Scenario.parse(p);
    }

    @Test
    void scaleScheduleParsesAndKeepsTheShorthand() {
        Scenario s = scenario("scaleOut", "80:+3,60:+3,200:-2");
        assertThat(s.scaleSchedule()).containsExactly(new Scenario.ScaleStep(60, 3), new Scenario.ScaleStep(80, 3),
                new Scenario.ScaleStep(200, -2));
        assertThat(scenario("scaleOutAt", "50", "scaleOutPods", "2").scaleSchedule())
                .containsExactly(new Scenario.ScaleStep(50, 2));
        assertThat(scenario("scaleOutPods", "0").scaleSchedule()).isEmpty();
    }

    @Test
    void badScheduleValuesGiveClearErrors() {
        assertThatThrownBy(() -> scenario("scaleOut", "60:+3", "scaleOutAt", "10"))
                .hasMessageContaining("scaleOut: 60:+3 (expected: either scaleOut or the scaleOutAt/scaleOutPods shorthand");
        assertThatThrownBy(() -> scenario("scaleOut", "60+3")).hasMessage("scaleOut: 60+3 (expected: TIME:+N or TIME:-N, e.g. 60:+3)");
        assertThatThrownBy(() -> scenario("scaleOut", "60:0")).hasMessage("scaleOut: 60:0 (expected: TIME >= 0 and N != 0)");
        assertThatThrownBy(() -> scenario("initialPods", "2", "scaleOut", "60:-3")).hasMessageContaining("never fewer than 0 pods");
        assertThatThrownBy(() -> scenario("restart", "120:node-1")).hasMessage("restart: 120:node-1 (expected: TIME:pod-N, e.g. 120:pod-1)");
        assertThatThrownBy(() -> scenario("rollingUpdate", "100")).hasMessage("rollingUpdate: 100 (expected: START:INTERVAL)");
        assertThatThrownBy(() -> scenario("rollingUpdate", "100:0")).hasMessage("rollingUpdate: 100:0 (expected: INTERVAL > 0)");
        assertThatThrownBy(() -> scenario("scraperStall", "a:5")).hasMessage("scraperStall: a:5 (expected: finite numbers)");
        assertThatThrownBy(() -> scenario("onMean", "5", "offMean", "5", "onPeak", "3"))
                .hasMessageContaining("onPeak: 3.0 (expected: onPeak x onMean <= onMean + offMean = 10.0");
        assertThatThrownBy(() -> scenario("scrapeFailure", "1")).hasMessage("scrapeFailure: 1.0 (expected: >= 0 and < 1)");
        assertThatThrownBy(() -> scenario("routers", "0")).hasMessage("routers: 0 (expected: >= 1)");
        assertThatThrownBy(() -> scenario("warmReadySince", "now")).hasMessage("warmReadySince: now (expected: start or past)");
        assertThatThrownBy(() -> scenario("metricDelay", "normal")).hasMessageContaining("metricDelay: normal (expected one of");
        assertThatThrownBy(() -> scenario("name", "a b")).hasMessageContaining("name: 'a b'");
    }

    @Test
    void planAddsThenRemovesTheNewestPodsWithDelaysInAppearanceOrder() {
        Scenario s = scenario("scaleOut", "60:+3,80:+3,200:-2", "initialPods", "4");
        List<Simulation.Action> plan = Simulation.plan(s);
        assertThat(plan).hasSize(8);
        assertThat(plan.subList(0, 6)).allMatch(a -> a.type() == Simulation.Action.ADD);
        assertThat(plan.subList(0, 6).stream().map(Simulation.Action::pod)).containsExactly(4, 5, 6, 7, 8, 9);
        assertThat(plan.subList(6, 8).stream().map(Simulation.Action::pod)).containsExactly(9, 8);
        for (Simulation.Action a : plan.subList(0, 6)) {
            assertThat(a.metricsFrom() - a.at()).isBetween(s.metricDelayMin(), s.metricDelayMax());
        }
        // The same scenario plans the same delays (every configuration sees the same pods).
        assertThat(Simulation.plan(s)).isEqualTo(plan);
    }

    @Test
    void rollingUpdateReplacesEveryPodInTurnAndRestartNeedsAPresentPod() {
        Scenario s = scenario("initialPods", "3", "scaleOutPods", "0", "rollingUpdate", "100:20");
        List<Simulation.Action> plan = Simulation.plan(s);
        List<String> steps = new ArrayList<>();
        for (Simulation.Action a : plan) {
            steps.add((int) a.at() + (a.type() == Simulation.Action.ADD ? "+" : "-") + a.pod());
        }
        assertThat(steps).containsExactly("100+3", "100-0", "120+4", "120-1", "140+5", "140-2");
        assertThatThrownBy(() -> Simulation.plan(scenario("restart", "50:pod-9")))
                .hasMessageContaining("restart: 50.0:pod-9 (expected: a pod present at 50.0 s");
        List<Simulation.Action> restart = Simulation.plan(scenario("scaleOutPods", "0", "restart", "50:pod-1",
                "restartDowntime", "10"));
        assertThat(restart).extracting(Simulation.Action::type).containsExactly(Simulation.Action.DOWN, Simulation.Action.UP);
        assertThat(restart.get(1).at()).isEqualTo(60.0);
    }

    @Test
    void exponentialMetricDelaysStayInTheirBoundsAndLeanEarly() {
        Scenario s = scenario("scaleOut", "10:+200", "metricDelay", "exponential", "metricDelayMin", "5",
                "metricDelayMax", "45");
        double sum = 0;
        for (Simulation.Action a : Simulation.plan(s)) {
            double d = a.metricsFrom() - a.at();
            assertThat(d).isBetween(5.0, 45.0);
            sum += d;
        }
        // Truncated exponential with mean 20 above 5 on [5, 45]: mean about 5 + 13.1 = 18.1 (uniform: 25).
        assertThat(sum / 200).isCloseTo(18.1, within(2.0));
    }

    @Test
    void onOffArrivalsKeepTheMeanRateAndRampInterpolates() {
        Scenario s = scenario("arrival", "onoff", "baseRate", "50", "stepRate", "50", "duration", "20000", "onMean", "3",
                "offMean", "6", "onPeak", "2.5");
        long n = 0;
        int[] perSecond = new int[20000];
        try (Workload w = new Workload(s)) {
            for (Workload.Arrival a = w.next(); a != null; a = w.next()) {
                n++;
                perSecond[(int) a.time()]++;
            }
        }
        // 1,000,000 expected arrivals. The time spent "on" varies (alternating renewal process: SD of the count
        // about 1.5 % over 20,000 s); 5 % is more than three standard deviations.
        assertThat(n / 20000.0).isCloseTo(50, within(2.5));
        double mean = n / 20000.0;
        double var = 0;
        for (int c : perSecond) {
            var += (c - mean) * (c - mean);
        }
        // Per-second counts vary far more than Poisson's variance (= mean): the bursts are seconds long.
        assertThat(var / 20000).isGreaterThan(5 * mean);
        Workload ramp = new Workload(scenario("baseRate", "100", "stepRate", "200", "loadStepAt", "60", "ramp", "30"));
        assertThat(ramp.level(59)).isEqualTo(100);
        assertThat(ramp.level(75)).isCloseTo(150, within(1e-9));
        assertThat(ramp.level(95)).isEqualTo(200);
    }

    private static Scenario small(String... kv) {
        List<String> all = new ArrayList<>(List.of("duration", "150", "windowSettle", "20"));
        all.addAll(List.of(kv));
        return scenario(all.toArray(new String[0]));
    }

    @Test
    void aRestartKillsTheRequestsOfThePodAndItComesBackCold() {
        Scenario s = small("initialPods", "4", "scaleOutPods", "0", "baseRate", "80", "stepRate", "80",
                "restart", "60:pod-2", "restartDowntime", "10");
        // plain: no outlier detection, which would eject the pod for the failures of its killed requests.
        RunResult r = new Simulation(s, RouterConfig.PLAIN, StrategyKind.LEAST_REQUEST).run();
        assertThat(r.failedKilled()).isPositive();
        assertThat(r.firstRequestDelays()).hasSize(1);
        assertThat(r.firstRequestDelays()[0]).isLessThan(1.0); // back in rotation once Ready again
        assertThat(r.windowStart()).isEqualTo(60.0);
        assertThat(r.coldArrivals()).isPositive();
    }

    @Test
    void withNoPodRequestsWaitAtTheGatewayUntilOneIsReady() {
        Scenario s = small("initialPods", "0", "scaleOut", "5:+2", "baseRate", "10", "stepRate", "10");
        RunResult r = new Simulation(s, RouterConfig.PODROUTER, StrategyKind.ROUND_ROBIN).run();
        assertThat(r.failed()).isZero();
        // The requests of [0 s, 5 s) waited at the gateway for the pods: the overall TTFT p99 carries that wait.
        assertThat(r.ttftP99()).isGreaterThan(1.0);
        Scenario tooLate = small("initialPods", "0", "scaleOut", "40:+2", "baseRate", "10", "stepRate", "10", "timeout", "30");
        RunResult late = new Simulation(tooLate, RouterConfig.PODROUTER, StrategyKind.ROUND_ROBIN).run();
        // Requests of the first 10 s time out at the gateway; the backlog then floods the two warming pods.
        assertThat(late.failedNoPod()).isPositive();
        assertThat(late.failed()).isGreaterThanOrEqualTo(late.failedNoPod());
    }

    @Test
    void failedRequestsCountAtTheTimeoutInEveryLatencyMeasure() {
        Scenario s = small("scaleOut", "75:+4", "duration", "120");
        RunResult reject = new Simulation(s, RouterConfig.REJECT, StrategyKind.LEAST_KV_CACHE).run();
        // Reject fails every request of the cold window: its window p99s are the timeout, not the survivors' latency.
        assertThat(reject.coldStartFailureRate()).isGreaterThan(0.9);
        assertThat(reject.ttftP99ScaleOut()).isEqualTo(s.timeoutSeconds());
        assertThat(reject.e2eP99ScaleOut()).isEqualTo(s.timeoutSeconds());
        RunResult plain = new Simulation(s, RouterConfig.PLAIN, StrategyKind.LEAST_KV_CACHE).run();
        assertThat(reject.fluctuationSd()).isGreaterThan(plain.fluctuationSd());
        assertThat(reject.goodputScaleOut()).isLessThan(plain.goodputScaleOut());
        // The CV divides by the mean of the per-second means, which failures at the timeout raise too.
        assertThat(plain.fluctuationCv()).isPositive();
    }

    @Test
    void utilisationCountsWorkNotBusyTime() {
        Scenario s = small("scaleOut", "75:+4", "baseRate", "2", "stepRate", "2");
        RunResult r = new Simulation(s, RouterConfig.PODROUTER, StrategyKind.LEAST_REQUEST).run();
        // At 2 req/s on 8 pods that can each serve about 25, work done is a few per cent, while "a step is running"
        // (the old measure) is far higher.
        assertThat(r.utilisation()).isLessThan(0.05);
        assertThat(r.busyFraction()).isGreaterThan(3 * r.utilisation());
        assertThat(Capacity.of(s)).isEqualTo(Capacity.of(s));
    }

    @Test
    void naiveLeastLatencyIsNotDegenerate() {
        Scenario s = small("scaleOut", "75:+4");
        RunResult reject = new Simulation(s, RouterConfig.REJECT, StrategyKind.LEAST_LATENCY).run();
        RunResult skip = new Simulation(s, RouterConfig.SKIP, StrategyKind.LEAST_LATENCY).run();
        // Reject fails only while a new pod has never been scraped (the cold window, plus up to one scrape interval
        // until the first scrape after the metrics appear), not for the rest of the run.
        assertThat(reject.failedRejected()).isPositive().isLessThan(reject.coldArrivals() + 2 * 120);
        // Both send the new pods traffic once scraped (a pod without latency samples reads 0 s).
        assertThat(java.util.Arrays.stream(reject.firstRequestDelays()).boxed()).allMatch(d -> d <= s.metricDelayMax() + 1);
        assertThat(java.util.Arrays.stream(skip.firstRequestDelays()).boxed()).allMatch(d -> d <= s.metricDelayMax() + 1);
    }

    @Test
    void severalRoutersEachSeeTheirShare() {
        Scenario one = small("scaleOut", "75:+4");
        Scenario three = small("scaleOut", "75:+4", "routers", "3");
        RunResult a = new Simulation(one, RouterConfig.PODROUTER, StrategyKind.LEAST_REQUEST).run();
        RunResult b = new Simulation(three, RouterConfig.PODROUTER, StrategyKind.LEAST_REQUEST).run();
        assertThat(b.requests()).isEqualTo(a.requests());
        assertThat(b.ttftP99ScaleOut()).isNotEqualTo(a.ttftP99ScaleOut());
        assertThat(new Simulation(three, RouterConfig.PODROUTER, StrategyKind.LEAST_REQUEST).run().ttftP99ScaleOut())
                .isEqualTo(b.ttftP99ScaleOut());
    }

    @Test
    void scrapeFailuresAndAStallChangeWhatTheRouterSees() {
        Scenario base = small("scaleOut", "75:+4");
        Scenario stalled = small("scaleOut", "75:+4", "scraperStall", "70:20", "scrapeFailure", "0.2");
        RunResult a = new Simulation(base, RouterConfig.SEED_RANDOM, StrategyKind.LEAST_KV_CACHE).run();
        RunResult b = new Simulation(stalled, RouterConfig.SEED_RANDOM, StrategyKind.LEAST_KV_CACHE).run();
        assertThat(b.ttftP99ScaleOut()).isNotEqualTo(a.ttftP99ScaleOut());
        assertThat(stalled.hasStall()).isTrue();
    }
}
