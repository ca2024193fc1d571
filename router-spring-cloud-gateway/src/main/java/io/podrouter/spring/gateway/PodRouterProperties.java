package io.podrouter.spring.gateway;

import io.podrouter.core.Router;
import io.podrouter.prometheus.PrometheusScraper;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code podrouter.*} configuration: the filter's request limits and retry policy, and the pools that
 * routes name as {@code podrouter://POOL}. Bound by Spring Boot; the auto-configuration validates every value
 * when it builds the pools and fails start-up with a message naming the property and what it expects (for
 * example {@code podrouter.pools.chat.engine: tgi (expected: vllm or sglang)}).
 *
 * <pre>{@code
 * podrouter:
 *   pools:
 *     chat:
 *       models: [meta-llama/Llama-3.1-8B-Instruct]
 *       static-pods: [{id: vllm-0, host: 10.0.0.5, port: 8000}]
 * }</pre>
 *
 * <p>Mutable JavaBean (as configuration binding requires), not thread-safe; the auto-configuration reads it once
 * at start-up. Null collections are treated as empty.
 */
@ConfigurationProperties(prefix = "podrouter")
public class PodRouterProperties {

    /** Whether the podrouter filters and pools are created at all. */
    private boolean enabled = true;

    /** Largest request body read; a larger one gets 413. The body is held in memory once per request. */
    private DataSize maxRequestSize = DataSize.ofMegabytes(1);

    /** Request header whose value is the session key for session affinity; absent or blank means no session. */
    private String sessionHeader = "X-Session-Id";

    /** Retries per request on another pod, before any byte of the answer reached the client; 0..3 (0 disables). */
    private int maxRetries = 1;

    /** Share of the requests in progress that may be retries at once, in percent (Envoy's retry budget). */
    private double retryBudgetPercent = RetryBudget.DEFAULT_PERCENT;

    /** Retries allowed at once whatever the share says (Envoy's min_retry_concurrency). */
    private int retryBudgetMinConcurrent = RetryBudget.DEFAULT_MIN_CONCURRENT;

    /** The Retry-After sent with a 503 when no pod is ready (whole seconds, at least 1). */
    private Duration retryAfter = Duration.ofSeconds(1);

    /** The pools by name; a route reaches one with the URI podrouter://NAME. */
    private Map<String, Pool> pools = new LinkedHashMap<>();

    /** Whether the podrouter filters and pools are created at all; default true. */
    public boolean isEnabled() {
        return enabled;
    }

    /** See {@link #isEnabled()}. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** Largest request body read (default 1 MB); larger gets 413. */
    public DataSize getMaxRequestSize() {
        return maxRequestSize;
    }

    /** See {@link #getMaxRequestSize()}; must be 1 byte .. 2 GB - 1 (checked at start-up). */
    public void setMaxRequestSize(DataSize maxRequestSize) {
        this.maxRequestSize = maxRequestSize;
    }

    /** The session-key header (default {@code X-Session-Id}). */
    public String getSessionHeader() {
        return sessionHeader;
    }

    /** See {@link #getSessionHeader()}; must not be blank (checked at start-up). */
    public void setSessionHeader(String sessionHeader) {
        this.sessionHeader = sessionHeader;
    }

    /** Retries on another pod before the answer started (default 1). */
    public int getMaxRetries() {
        return maxRetries;
    }

    /** See {@link #getMaxRetries()}; must be 0..3 (checked at start-up). */
    public void setMaxRetries(int maxRetries) {
        this.maxRetries = maxRetries;
    }

    /** Retry budget share in percent (default 20). */
    public double getRetryBudgetPercent() {
        return retryBudgetPercent;
    }

    /** See {@link #getRetryBudgetPercent()}; must be in [0, 100] (checked at start-up). */
    public void setRetryBudgetPercent(double retryBudgetPercent) {
        this.retryBudgetPercent = retryBudgetPercent;
    }

    /** Retry budget floor (default 3). */
    public int getRetryBudgetMinConcurrent() {
        return retryBudgetMinConcurrent;
    }

    /** See {@link #getRetryBudgetMinConcurrent()}; must be &gt;= 0 (checked at start-up). */
    public void setRetryBudgetMinConcurrent(int retryBudgetMinConcurrent) {
        this.retryBudgetMinConcurrent = retryBudgetMinConcurrent;
    }

    /** The Retry-After of a 503 (default 1 s). */
    public Duration getRetryAfter() {
        return retryAfter;
    }

    /** See {@link #getRetryAfter()}; must be &gt; 0 (checked at start-up). */
    public void setRetryAfter(Duration retryAfter) {
        this.retryAfter = retryAfter;
    }

    /** The pools by name (insertion order). */
    public Map<String, Pool> getPools() {
        return pools;
    }

    /** See {@link #getPools()}; null means none. */
    public void setPools(@Nullable Map<String, Pool> pools) {
        this.pools = pools == null ? new LinkedHashMap<>() : pools;
    }

    /**
     * One pool of model-server pods with its own router: strategy chain, cold-start and outlier settings, metrics
     * scraper, and at most one pod source: static pods, a Spring Cloud discovery service id, or podrouter-kubernetes
     * (an InferencePool or a label selector). Two sources fail start-up; none leaves the pool empty (503).
     */
    public static class Pool {

        /** Models the pool serves; a request for another gets 404 model_not_found. Empty: any model is forwarded. */
        private List<String> models = new ArrayList<>();

        /**
         * The strategy chain, first to last: least-kv-cache, least-request, least-latency, round-robin, random,
         * cache-aware (prefix-cache and session affinity with a load guard).
         */
        private List<String> strategies = new ArrayList<>(List.of("least-kv-cache", "least-request"));

        /** The model server whose metrics the scraper reads: vllm or sglang. */
        private String engine = "vllm";

        /** How often each pod's /metrics is scraped. */
        private Duration scrapeInterval = PrometheusScraper.DEFAULT_INTERVAL;

        /** Pods given in configuration, Ready from start-up. */
        private List<StaticPod> staticPods = new ArrayList<>();

        /** Spring Cloud service id whose instances (from the ReactiveDiscoveryClient) are the pool's pods; unset for none. */
        private @Nullable String discoveryServiceId;

        /** How often the discovery client is asked for the service's instances. */
        private Duration discoveryRefreshInterval = Duration.ofSeconds(5);

        /** Cold-start handling of the pool's router. */
        private ColdStart coldStart = new ColdStart();

        /** Outlier detection of the pool's router (Envoy's semantics and defaults). */
        private Outlier outlier = new Outlier();

        /** Pods from podrouter-kubernetes: an InferencePool or a label selector (needs podrouter-kubernetes on the class path). */
        private Kubernetes kubernetes = new Kubernetes();

        /** Models served; empty means any. */
        public List<String> getModels() {
            return models;
        }

        /** See {@link #getModels()}; null means any. */
        public void setModels(@Nullable List<String> models) {
            this.models = models == null ? new ArrayList<>() : models;
        }

        /** Strategy names, first to last (default least-kv-cache, least-request). */
        public List<String> getStrategies() {
            return strategies;
        }

        /** See {@link #getStrategies()}; must name at least one known strategy (checked at start-up). */
        public void setStrategies(@Nullable List<String> strategies) {
            this.strategies = strategies == null ? new ArrayList<>() : strategies;
        }

        /** {@code vllm} (default) or {@code sglang}. */
        public String getEngine() {
            return engine;
        }

        /** See {@link #getEngine()}; another value fails start-up. */
        public void setEngine(String engine) {
            this.engine = engine;
        }

        /** Scrape interval (default 1 s). */
        public Duration getScrapeInterval() {
            return scrapeInterval;
        }

        /** See {@link #getScrapeInterval()}; must be &gt; 0. */
        public void setScrapeInterval(Duration scrapeInterval) {
            this.scrapeInterval = scrapeInterval;
        }

        /** Pods from configuration. */
        public List<StaticPod> getStaticPods() {
            return staticPods;
        }

        /** See {@link #getStaticPods()}; null means none. */
        public void setStaticPods(@Nullable List<StaticPod> staticPods) {
            this.staticPods = staticPods == null ? new ArrayList<>() : staticPods;
        }

        /** The discovery service id, or null. */
        public @Nullable String getDiscoveryServiceId() {
            return discoveryServiceId;
        }

        /** See {@link #getDiscoveryServiceId()}; null or blank means none. */
        public void setDiscoveryServiceId(@Nullable String discoveryServiceId) {
            this.discoveryServiceId = discoveryServiceId;
        }

        /** Discovery refresh interval (default 5 s). */
        public Duration getDiscoveryRefreshInterval() {
            return discoveryRefreshInterval;
        }

        /** See {@link #getDiscoveryRefreshInterval()}; must be &gt; 0. */
        public void setDiscoveryRefreshInterval(Duration discoveryRefreshInterval) {
            this.discoveryRefreshInterval = discoveryRefreshInterval;
        }

        /** Cold-start settings. */
        public ColdStart getColdStart() {
            return coldStart;
        }

        /** See {@link #getColdStart()}; null means the defaults. */
        public void setColdStart(@Nullable ColdStart coldStart) {
            this.coldStart = coldStart == null ? new ColdStart() : coldStart;
        }

        /** Outlier-detection settings. */
        public Outlier getOutlier() {
            return outlier;
        }

        /** See {@link #getOutlier()}; null means the defaults. */
        public void setOutlier(@Nullable Outlier outlier) {
            this.outlier = outlier == null ? new Outlier() : outlier;
        }

        /** The Kubernetes pod source's settings (unused unless it names an InferencePool or a label selector). */
        public Kubernetes getKubernetes() {
            return kubernetes;
        }

        /** See {@link #getKubernetes()}; null means unset. */
        public void setKubernetes(@Nullable Kubernetes kubernetes) {
            this.kubernetes = kubernetes == null ? new Kubernetes() : kubernetes;
        }
    }

    /** A pod given in configuration. */
    public static class StaticPod {

        /** Unique id of the pod (in every pool); defaults to host:port. */
        private @Nullable String id;

        /** Host name or IP address of the model server. */
        private @Nullable String host;

        /** Port of the model server's OpenAI-compatible HTTP API. */
        private int port;

        /** The id, or null for host:port. */
        public @Nullable String getId() {
            return id;
        }

        /** See {@link #getId()}. */
        public void setId(@Nullable String id) {
            this.id = id;
        }

        /** The host; required. */
        public @Nullable String getHost() {
            return host;
        }

        /** See {@link #getHost()}. */
        public void setHost(@Nullable String host) {
            this.host = host;
        }

        /** The port; required, 1..65535. */
        public int getPort() {
            return port;
        }

        /** See {@link #getPort()}. */
        public void setPort(int port) {
            this.port = port;
        }
    }

    /** Cold-start settings of a pool's router (see {@code Router.Builder}). */
    public static class ColdStart {

        /**
         * In-flight requests a cold pod may hold until its first completions come back (the burst guard); unset keeps
         * the router's default: 8, for chains that rank by metrics or keep affinity only.
         */
        private @Nullable Integer inFlightCap;

        /** Whether cold pods get a bounded share of the traffic when the chain ranks by metrics. */
        private boolean boundedColdShare = true;

        /** Slow-start ramp length after a pod becomes Ready; 0 disables the ramp (the router's default). */
        private Duration slowStartWindow = Duration.ZERO;

        /** Slow-start curve exponent (1 = linear). */
        private double slowStartAggression = 1.0;

        /** Slow-start weight at Ready, in (0, 1]. */
        private double slowStartMinWeight = 0.1;

        /**
         * The burst guard's cap, or null (the default) for the router's own default, which applies the guard (8) only
         * when the chain's first strategy ranks by metrics or keeps affinity; a value applies it to every chain.
         */
        public @Nullable Integer getInFlightCap() {
            return inFlightCap;
        }

        /** See {@link #getInFlightCap()}; must be &gt;= 1 when set. */
        public void setInFlightCap(@Nullable Integer inFlightCap) {
            this.inFlightCap = inFlightCap;
        }

        /** Bounded cold share (default true). */
        public boolean isBoundedColdShare() {
            return boundedColdShare;
        }

        /** See {@link #isBoundedColdShare()}. */
        public void setBoundedColdShare(boolean boundedColdShare) {
            this.boundedColdShare = boundedColdShare;
        }

        /** Slow-start window (default 0: off). */
        public Duration getSlowStartWindow() {
            return slowStartWindow;
        }

        /** See {@link #getSlowStartWindow()}; must be &gt;= 0. */
        public void setSlowStartWindow(Duration slowStartWindow) {
            this.slowStartWindow = slowStartWindow;
        }

        /** Slow-start aggression (default 1). */
        public double getSlowStartAggression() {
            return slowStartAggression;
        }

        /** See {@link #getSlowStartAggression()}; must be &gt; 0. */
        public void setSlowStartAggression(double slowStartAggression) {
            this.slowStartAggression = slowStartAggression;
        }

        /** Slow-start minimum weight (default 0.1). */
        public double getSlowStartMinWeight() {
            return slowStartMinWeight;
        }

        /** See {@link #getSlowStartMinWeight()}; must be in (0, 1]. */
        public void setSlowStartMinWeight(double slowStartMinWeight) {
            this.slowStartMinWeight = slowStartMinWeight;
        }
    }

    /** Outlier detection of a pool's router: Envoy's semantics and defaults (see {@code OutlierDetection}). */
    public static class Outlier {

        /** Whether failing pods are ejected at all. */
        private boolean enabled = true;

        /** Failures in a row that eject a pod. */
        private int consecutiveFailures = 5;

        /** Failure fraction over an interval that ejects a pod, in (0, 1]. */
        private double failureRateThreshold = 0.85;

        /** Completions a pod needs in an interval for its failure fraction to count. */
        private int minimumRequests = 50;

        /** Evaluation interval of the failure-rate rule. */
        private Duration interval = Duration.ofSeconds(10);

        /** Ejection time of a first ejection (multiplied by the number of ejections). */
        private Duration baseEjectionTime = Duration.ofSeconds(30);

        /** Longest ejection. */
        private Duration maxEjectionTime = Duration.ofSeconds(300);

        /** Fraction of the pool's pods that may be ejected at once, in (0, 1]; at least one pod always may. */
        private double maxEjectedFraction = 0.1;

        /** Enabled (default true). */
        public boolean isEnabled() {
            return enabled;
        }

        /** See {@link #isEnabled()}. */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** Consecutive failures (default 5). */
        public int getConsecutiveFailures() {
            return consecutiveFailures;
        }

        /** See {@link #getConsecutiveFailures()}; must be &gt;= 1. */
        public void setConsecutiveFailures(int consecutiveFailures) {
            this.consecutiveFailures = consecutiveFailures;
        }

        /** Failure-rate threshold (default 0.85). */
        public double getFailureRateThreshold() {
            return failureRateThreshold;
        }

        /** See {@link #getFailureRateThreshold()}; must be in (0, 1]. */
        public void setFailureRateThreshold(double failureRateThreshold) {
            this.failureRateThreshold = failureRateThreshold;
        }

        /** Minimum requests (default 50). */
        public int getMinimumRequests() {
            return minimumRequests;
        }

        /** See {@link #getMinimumRequests()}; must be &gt;= 1. */
        public void setMinimumRequests(int minimumRequests) {
            this.minimumRequests = minimumRequests;
        }

        /** Interval (default 10 s). */
        public Duration getInterval() {
            return interval;
        }

        /** See {@link #getInterval()}; must be &gt; 0. */
        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        /** Base ejection time (default 30 s). */
        public Duration getBaseEjectionTime() {
            return baseEjectionTime;
        }

        /** See {@link #getBaseEjectionTime()}; must be &gt; 0. */
        public void setBaseEjectionTime(Duration baseEjectionTime) {
            this.baseEjectionTime = baseEjectionTime;
        }

        /** Maximum ejection time (default 300 s). */
        public Duration getMaxEjectionTime() {
            return maxEjectionTime;
        }

        /** See {@link #getMaxEjectionTime()}; must be &gt;= the base ejection time. */
        public void setMaxEjectionTime(Duration maxEjectionTime) {
            this.maxEjectionTime = maxEjectionTime;
        }

        /** Maximum ejected fraction (default 0.1). */
        public double getMaxEjectedFraction() {
            return maxEjectedFraction;
        }

        /** See {@link #getMaxEjectedFraction()}; must be in (0, 1]. */
        public void setMaxEjectedFraction(double maxEjectedFraction) {
            this.maxEjectedFraction = maxEjectedFraction;
        }
    }

    /**
     * The Kubernetes pod source of a pool, read by podrouter-kubernetes: the pods of a Gateway API Inference
     * Extension InferencePool ({@code inference-pool}) or the pods matching labels ({@code label-selector}), in one
     * namespace, kept current by informers. Setting either makes it the pool's pod source; the other options only
     * apply then (set without it, they fail start-up). The discovery options' defaults are those of
     * podrouter-kubernetes' builders. Mutable JavaBean like the rest of the properties, not thread-safe; null
     * collections are treated as empty.
     */
    public static class Kubernetes {

        /** Name of the InferencePool (inference.networking.k8s.io/v1) whose ready pods are the pool's pods. */
        private @Nullable String inferencePool;

        /** Labels a pod must all carry to be one of the pool's pods, for clusters without the InferencePool CRD. */
        private Map<String, String> labelSelector = new LinkedHashMap<>();

        /** Namespace of the InferencePool or the pods; unset: the namespace of the gateway's own pod (its service-account file), else "default". */
        private @Nullable String namespace;

        /** Model-server ports of each selected pod, 1 to 8 (label-selector only; an InferencePool names its own). Unset: 8000, vLLM's default. */
        private List<Integer> targetPorts = new ArrayList<>();

        /** Label, else annotation, naming the model a selected pod serves (label-selector only); the pool then takes the pods of its models. Unset: every selected pod. */
        private @Nullable String modelKey;

        /** How long after a change in the cluster the pod list is rebuilt; changes meanwhile are folded in. */
        private Duration debounce = Duration.ofMillis(100);

        /** How long start-up waits for the first list of pods before it fails. */
        private Duration startTimeout = Duration.ofSeconds(30);

        /** How often the informers' watch state is checked to tell that the API server is unreachable. */
        private Duration stalenessCheckInterval = Duration.ofSeconds(1);

        /** The InferencePool's name, or null. */
        public @Nullable String getInferencePool() {
            return inferencePool;
        }

        /** See {@link #getInferencePool()}; null means none, blank fails start-up. */
        public void setInferencePool(@Nullable String inferencePool) {
            this.inferencePool = inferencePool;
        }

        /** The label selector (insertion order); empty means none. */
        public Map<String, String> getLabelSelector() {
            return labelSelector;
        }

        /**
         * See {@link #getLabelSelector()}; null means none. Keys with dots or slashes need brackets in YAML
         * ({@code "[app.kubernetes.io/name]": vllm}).
         */
        public void setLabelSelector(@Nullable Map<String, String> labelSelector) {
            this.labelSelector = labelSelector == null ? new LinkedHashMap<>() : labelSelector;
        }

        /** The namespace, or null for the gateway pod's own (else "default"). */
        public @Nullable String getNamespace() {
            return namespace;
        }

        /** See {@link #getNamespace()}; blank fails start-up. */
        public void setNamespace(@Nullable String namespace) {
            this.namespace = namespace;
        }

        /** The target ports (label-selector only); empty means 8000. */
        public List<Integer> getTargetPorts() {
            return targetPorts;
        }

        /** See {@link #getTargetPorts()}; null means unset; 1 to 8 unique ports in 1..65535 (checked at start-up). */
        public void setTargetPorts(@Nullable List<Integer> targetPorts) {
            this.targetPorts = targetPorts == null ? new ArrayList<>() : targetPorts;
        }

        /** The model key (label-selector only), or null. */
        public @Nullable String getModelKey() {
            return modelKey;
        }

        /** See {@link #getModelKey()}; blank fails start-up. */
        public void setModelKey(@Nullable String modelKey) {
            this.modelKey = modelKey;
        }

        /** Rebuild debounce (default 100 ms). */
        public Duration getDebounce() {
            return debounce;
        }

        /** See {@link #getDebounce()}; must be &gt;= 0 (checked at start-up). */
        public void setDebounce(Duration debounce) {
            this.debounce = debounce;
        }

        /** Start timeout (default 30 s). */
        public Duration getStartTimeout() {
            return startTimeout;
        }

        /** See {@link #getStartTimeout()}; must be &gt; 0 (checked at start-up). */
        public void setStartTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
        }

        /** Staleness check interval (default 1 s). */
        public Duration getStalenessCheckInterval() {
            return stalenessCheckInterval;
        }

        /** See {@link #getStalenessCheckInterval()}; must be &gt; 0 (checked at start-up). */
        public void setStalenessCheckInterval(Duration stalenessCheckInterval) {
            this.stalenessCheckInterval = stalenessCheckInterval;
        }
    }
}
