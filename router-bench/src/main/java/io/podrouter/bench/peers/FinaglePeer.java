package io.podrouter.bench.peers;

import com.twitter.finagle.Address;
import com.twitter.finagle.ClientConnection;
import com.twitter.finagle.NoBrokersAvailableException;
import com.twitter.finagle.Service;
import com.twitter.finagle.ServiceFactory;
import com.twitter.finagle.Stack;
import com.twitter.finagle.Status;
import com.twitter.finagle.loadbalancer.EndpointFactory;
import com.twitter.finagle.loadbalancer.LoadBalancerFactory;
import com.twitter.util.Activity;
import com.twitter.util.Future;
import com.twitter.util.Time;
import com.twitter.util.Try;
import scala.Option;
import scala.collection.immutable.IndexedSeq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A Finagle balancer built by {@link LoadBalancerFactory#newBalancer} over fake
 * {@link EndpointFactory endpoints} whose services are ready at once. One pick acquires a service
 * from the balancer (Finagle counts the endpoint's load +1, and peak-EWMA starts its latency clock)
 * and {@link #complete} closes it (load -1, latency sample taken): exactly how a Finagle client
 * brackets a request. The returned future is already satisfied, so no thread ever waits.
 *
 * <p>Thread-safe as Finagle's balancers are.
 */
final class FinaglePeer implements PeerBalancer {

    private final ServiceFactory<Object, Object> balancer;

    private FinaglePeer(ServiceFactory<Object, Object> balancer) {
        this.balancer = balancer;
    }

    /**
     * Builds {@code factory}'s balancer over {@code endpoints} fake endpoints.
     *
     * @throws IllegalStateException when the balancer cannot hand out a service at once
     */
    static FinaglePeer create(LoadBalancerFactory factory, int endpoints) {
        List<EndpointFactory<Object, Object>> list = new ArrayList<>(endpoints);
        for (int i = 0; i < endpoints; i++) {
            list.add(new FakeEndpoint(i));
        }
        IndexedSeq<EndpointFactory<Object, Object>> seq = CollectionConverters.asScala(list).toIndexedSeq();
        ServiceFactory<Object, Object> balancer = factory.newBalancer(Activity.value(seq),
                new NoBrokersAvailableException("podrouter-bench"), Stack.Params$.MODULE$.empty());
        FinaglePeer peer = new FinaglePeer(balancer);
        try {
            peer.complete(peer.select());
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    @Override
    public Object select() {
        Future<Service<Object, Object>> acquired = balancer.apply(ClientConnection.nil());
        Option<Try<Service<Object, Object>>> done = acquired.poll();
        if (done.isEmpty()) {
            throw new IllegalStateException("Finagle balancer did not hand out a service at once");
        }
        return done.get().get();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void complete(Object handle) {
        ((Service<Object, Object>) handle).close();
    }

    @Override
    public void close() {
        balancer.close();
    }

    /** An endpoint whose service is always open and already acquired. */
    private static final class FakeEndpoint extends ServiceFactory<Object, Object> implements EndpointFactory<Object, Object> {
        private final Address address;
        private final Future<Service<Object, Object>> service;

        FakeEndpoint(int index) {
            // Unresolved: no name lookup may happen, and nothing ever connects.
            this.address = Address.apply(InetSocketAddress.createUnresolved("pod-" + index, 8000));
            Service<Object, Object> constant = Service.constant(Future.value("ok"));
            this.service = Future.value(constant);
        }

        @Override
        public Address address() {
            return address;
        }

        @Override
        public void remake() {
            // Nothing to reconnect.
        }

        @Override
        public Future<Service<Object, Object>> apply(ClientConnection conn) {
            return service;
        }

        @Override
        public Future<BoxedUnit> close(Time deadline) {
            return Future.Done();
        }

        @Override
        public Status status() {
            return Status.Open$.MODULE$;
        }
    }
}
