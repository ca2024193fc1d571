package io.podrouter.bench.peers;

import com.netflix.loadbalancer.AbstractLoadBalancerRule;
import com.netflix.loadbalancer.BaseLoadBalancer;
import com.netflix.loadbalancer.LoadBalancerStats;
import com.netflix.loadbalancer.Server;
import com.netflix.loadbalancer.ServerStats;

import java.util.ArrayList;
import java.util.List;

/**
 * A Netflix Ribbon rule over a {@link BaseLoadBalancer} of fake servers, without an {@code IPing} (so
 * every server counts as alive and no ping runs), picked with {@code rule.choose(key)}.
 *
 * <p>In-flight accounting is done as Ribbon's {@code LoadBalancerContext} does around a request: the
 * chosen server's {@link ServerStats} (one lookup in Ribbon's stats cache) is incremented when the
 * request starts and decremented when it ends. Response-time statistics are not recorded, because
 * podrouter's completion does not record latency either.
 *
 * <p>Thread-safe as Ribbon's rules are.
 */
final class RibbonPeer implements PeerBalancer {

    private final BaseLoadBalancer balancer;
    private final AbstractLoadBalancerRule rule;
    private final LoadBalancerStats stats;

    private RibbonPeer(BaseLoadBalancer balancer, AbstractLoadBalancerRule rule) {
        this.balancer = balancer;
        this.rule = rule;
        this.stats = balancer.getLoadBalancerStats();
    }

    /**
     * Builds {@code rule} over {@code endpoints} fake servers.
     *
     * @throws IllegalStateException when the rule does not see every server
     */
    static RibbonPeer create(AbstractLoadBalancerRule rule, int endpoints) {
        LoadBalancerStats stats = new LoadBalancerStats("podrouter-bench");
        BaseLoadBalancer balancer = new BaseLoadBalancer("podrouter-bench", rule, stats);
        List<Server> servers = new ArrayList<>(endpoints);
        for (int i = 0; i < endpoints; i++) {
            servers.add(new Server("pod-" + i, 8000));
        }
        balancer.addServers(servers);
        // The constructor hands the rule its balancer before the stats are set; rules that read the
        // stats (BestAvailableRule) must see them, or they silently fall back to round robin.
        rule.setLoadBalancer(balancer);
        RibbonPeer peer = new RibbonPeer(balancer, rule);
        int reachable = balancer.getReachableServers().size();
        if (reachable != endpoints) {
            peer.close();
            throw new IllegalStateException("Ribbon sees " + reachable + " of " + endpoints + " servers as reachable");
        }
        return peer;
    }

    @Override
    public Object select() {
        Server server = rule.choose(null);
        if (server == null) {
            throw new IllegalStateException("Ribbon rule " + rule.getClass().getSimpleName() + " chose no server");
        }
        ServerStats serverStats = stats.getSingleServerStat(server);
        serverStats.incrementActiveRequestsCount();
        return serverStats;
    }

    @Override
    public void complete(Object handle) {
        ((ServerStats) handle).decrementActiveRequestsCount();
    }

    /**
     * Checks that the rule ranks by Ribbon's active-request counts: with many requests in flight on the
     * first server, {@code 2 x servers} picks must avoid it. Leaves the counts as they were.
     *
     * @throws IllegalStateException when the rule picks the loaded server
     */
    void verifyRanksByActiveRequests() {
        List<Server> servers = balancer.getAllServers();
        if (servers.size() < 2) {
            return;
        }
        ServerStats loaded = stats.getSingleServerStat(servers.get(0));
        for (int i = 0; i < 1000; i++) {
            loaded.incrementActiveRequestsCount();
        }
        try {
            for (int i = 0; i < 2 * servers.size(); i++) {
                Object handle = select();
                complete(handle);
                if (handle == loaded) {
                    throw new IllegalStateException("Ribbon rule " + rule.getClass().getSimpleName()
                            + " picked the server with 1000 requests in flight: it does not read the stats");
                }
            }
        } finally {
            for (int i = 0; i < 1000; i++) {
                loaded.decrementActiveRequestsCount();
            }
        }
    }

    @Override
    public void close() {
        balancer.shutdown();
    }
}
