package io.podrouter.bench.peers;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ChannelLogger;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A gRPC-java load-balancing policy, created through the public {@link LoadBalancerRegistry} exactly as
 * a channel would, and driven in-process: a fake {@link LoadBalancer.Helper} hands out fake
 * subchannels that report CONNECTING then READY as soon as the policy asks them to connect, and the
 * benchmark calls the {@link LoadBalancer.SubchannelPicker} the policy last published.
 *
 * <p>Per pick this does what gRPC's client call does around a pick: call the picker, and when the
 * pick carries a {@link ClientStreamTracer.Factory} (least_request counts in-flight calls that way,
 * weighted_round_robin collects per-call load reports that way), create the call's tracer and report
 * the stream as created; {@link #complete} reports it closed with {@link Status#OK}. No sockets.
 *
 * <p>Thread-safe for concurrent {@link #select}/{@link #complete}, like a gRPC picker.
 */
final class GrpcPeer implements PeerBalancer {

    private static final Metadata HEADERS = new Metadata();
    private static final ClientStreamTracer.StreamInfo STREAM_INFO =
            ClientStreamTracer.StreamInfo.newBuilder().setCallOptions(CallOptions.DEFAULT).build();
    private static final MethodDescriptor<InputStream, InputStream> METHOD =
            MethodDescriptor.<InputStream, InputStream>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("podrouter.bench/Generate")
                    .setRequestMarshaller(StreamMarshaller.INSTANCE)
                    .setResponseMarshaller(StreamMarshaller.INSTANCE)
                    .build();
    private static final LoadBalancer.PickSubchannelArgs PICK_ARGS = new LoadBalancer.PickSubchannelArgs() {
        @Override
        public CallOptions getCallOptions() {
            return CallOptions.DEFAULT;
        }

        @Override
        public Metadata getHeaders() {
            return HEADERS;
        }

        @Override
        public MethodDescriptor<?, ?> getMethodDescriptor() {
            return METHOD;
        }
    };

    private final String policy;
    private final SynchronizationContext sync;
    private final ScheduledExecutorService timer;
    private final FakeHelper helper;
    private final LoadBalancer balancer;

    private GrpcPeer(String policy, SynchronizationContext sync, ScheduledExecutorService timer, FakeHelper helper,
                     LoadBalancer balancer) {
        this.policy = policy;
        this.sync = sync;
        this.timer = timer;
        this.helper = helper;
        this.balancer = balancer;
    }

    /**
     * Builds the registry's policy {@code policy} over {@code endpoints} fake endpoints and waits until it
     * publishes a READY picker.
     *
     * @param rawConfig the policy's JSON service-config object as parsed maps (numbers as Double); empty
     *                  for defaults
     * @throws IllegalStateException when the policy is not registered, rejects the config, or does not
     *                               become READY with every endpoint connected
     */
    static GrpcPeer create(String policy, Map<String, ?> rawConfig, int endpoints) {
        LoadBalancerProvider provider = LoadBalancerRegistry.getDefaultRegistry().getProvider(policy);
        if (provider == null) {
            throw new IllegalStateException("gRPC policy '" + policy + "' is not registered (expected: grpc-xds on the class path)");
        }
        NameResolver.ConfigOrError parsed = provider.parseLoadBalancingPolicyConfig(rawConfig);
        if (parsed.getError() != null) {
            throw new IllegalStateException("gRPC policy '" + policy + "' rejected config " + rawConfig + ": " + parsed.getError());
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        SynchronizationContext sync = new SynchronizationContext((thread, error) -> failure.compareAndSet(null, error));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grpc-bench-timer-" + policy);
            t.setDaemon(true);
            return t;
        });
        FakeHelper helper = new FakeHelper(sync, timer);
        List<EquivalentAddressGroup> addresses = new ArrayList<>(endpoints);
        for (int i = 0; i < endpoints; i++) {
            // Unresolved: the fake subchannels never connect, and no name lookup may happen.
            addresses.add(new EquivalentAddressGroup(InetSocketAddress.createUnresolved("pod-" + i, 8000)));
        }
        AtomicReference<LoadBalancer> created = new AtomicReference<>();
        AtomicReference<Status> accepted = new AtomicReference<>();
        sync.execute(() -> {
            LoadBalancer lb = provider.newLoadBalancer(helper);
            created.set(lb);
            accepted.set(lb.acceptResolvedAddresses(LoadBalancer.ResolvedAddresses.newBuilder()
                    .setAddresses(addresses)
                    .setLoadBalancingPolicyConfig(parsed.getConfig())
                    .build()));
        });
        GrpcPeer peer = new GrpcPeer(policy, sync, timer, helper, created.get());
        try {
            if (failure.get() != null) {
                throw new IllegalStateException("gRPC policy '" + policy + "' failed while starting", failure.get());
            }
            if (accepted.get() == null || !accepted.get().isOk()) {
                throw new IllegalStateException("gRPC policy '" + policy + "' rejected the addresses: " + accepted.get());
            }
            if (helper.state != ConnectivityState.READY || helper.picker == null) {
                throw new IllegalStateException("gRPC policy '" + policy + "' is " + helper.state + " (expected: READY)");
            }
            int ready = helper.readySubchannels();
            if (ready != endpoints) {
                throw new IllegalStateException("gRPC policy '" + policy + "' connected " + ready + " of " + endpoints + " endpoints");
            }
            return peer;
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
    }

    @Override
    public Object select() {
        LoadBalancer.PickResult result = helper.picker.pickSubchannel(PICK_ARGS);
        if (result.getSubchannel() == null) {
            throw new IllegalStateException("gRPC policy '" + policy + "' did not pick: " + result);
        }
        ClientStreamTracer.Factory factory = result.getStreamTracerFactory();
        if (factory == null) {
            return result;
        }
        ClientStreamTracer tracer = factory.newClientStreamTracer(STREAM_INFO, HEADERS);
        tracer.streamCreated(Attributes.EMPTY, HEADERS);
        return tracer;
    }

    @Override
    public void complete(Object handle) {
        if (handle instanceof ClientStreamTracer) {
            ((ClientStreamTracer) handle).streamClosed(Status.OK);
        }
    }

    @Override
    public void close() {
        if (balancer != null) {
            sync.execute(balancer::shutdown);
        }
        timer.shutdownNow();
    }

    /** The channel side of the policy: creates fake subchannels and remembers the latest picker. */
    private static final class FakeHelper extends LoadBalancer.Helper {
        private final SynchronizationContext sync;
        private final ScheduledExecutorService timer;
        private final Map<FakeSubchannel, Boolean> subchannels = new IdentityHashMap<>();
        volatile ConnectivityState state = ConnectivityState.IDLE;
        volatile LoadBalancer.SubchannelPicker picker;

        FakeHelper(SynchronizationContext sync, ScheduledExecutorService timer) {
            this.sync = sync;
            this.timer = timer;
        }

        @Override
        public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
            FakeSubchannel subchannel = new FakeSubchannel(args, sync);
            synchronized (subchannels) {
                subchannels.put(subchannel, Boolean.TRUE);
            }
            return subchannel;
        }

        int readySubchannels() {
            synchronized (subchannels) {
                int ready = 0;
                for (FakeSubchannel s : subchannels.keySet()) {
                    if (s.ready) {
                        ready++;
                    }
                }
                return ready;
            }
        }

        @Override
        public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
            throw new UnsupportedOperationException("out-of-band channels are not part of the benchmark");
        }

        @Override
        public void updateBalancingState(ConnectivityState newState, LoadBalancer.SubchannelPicker newPicker) {
            picker = newPicker;
            state = newState;
        }

        @Override
        public void refreshNameResolution() {
            // Addresses are fixed for the benchmark; nothing to re-resolve.
        }

        @Override
        public SynchronizationContext getSynchronizationContext() {
            return sync;
        }

        @Override
        public ScheduledExecutorService getScheduledExecutorService() {
            return timer;
        }

        @Override
        public String getAuthority() {
            return "podrouter-bench";
        }

        @Override
        public String getChannelTarget() {
            return "podrouter-bench";
        }

        @Override
        public ChannelLogger getChannelLogger() {
            return SilentChannelLogger.INSTANCE;
        }
    }

    /** A subchannel that "connects" instantly and never fails. */
    private static final class FakeSubchannel extends LoadBalancer.Subchannel {
        private final LoadBalancer.CreateSubchannelArgs args;
        private final SynchronizationContext sync;
        private LoadBalancer.SubchannelStateListener listener;
        volatile boolean ready;
        private boolean connecting;

        FakeSubchannel(LoadBalancer.CreateSubchannelArgs args, SynchronizationContext sync) {
            this.args = args;
            this.sync = sync;
        }

        @Override
        public void start(LoadBalancer.SubchannelStateListener stateListener) {
            this.listener = stateListener;
        }

        @Override
        public void requestConnection() {
            if (connecting || listener == null) {
                return;
            }
            connecting = true;
            // Queued, so the policy sees the transitions after the call that asked for them, as with a real channel.
            sync.execute(() -> {
                listener.onSubchannelState(ConnectivityStateInfo.forNonError(ConnectivityState.CONNECTING));
                ready = true;
                listener.onSubchannelState(ConnectivityStateInfo.forNonError(ConnectivityState.READY));
                // Without a health-check config a real channel reports health equal to connectivity.
                LoadBalancer.SubchannelStateListener health = args.getOption(LoadBalancer.HEALTH_CONSUMER_LISTENER_ARG_KEY);
                if (health != null) {
                    health.onSubchannelState(ConnectivityStateInfo.forNonError(ConnectivityState.READY));
                }
            });
        }

        @Override
        public void shutdown() {
            ready = false;
        }

        @Override
        public List<EquivalentAddressGroup> getAllAddresses() {
            return args.getAddresses();
        }

        @Override
        public Attributes getAttributes() {
            return args.getAttributes();
        }

        @Override
        public ChannelLogger getChannelLogger() {
            return SilentChannelLogger.INSTANCE;
        }
    }

    private static final class SilentChannelLogger extends ChannelLogger {
        static final SilentChannelLogger INSTANCE = new SilentChannelLogger();

        @Override
        public void log(ChannelLogLevel level, String message) {
            // Channel trace events are irrelevant to pick cost.
        }

        @Override
        public void log(ChannelLogLevel level, String messageFormat, Object... args) {
            // As above.
        }
    }

    /** The method descriptor needs marshallers; nothing is ever serialised. */
    private enum StreamMarshaller implements MethodDescriptor.Marshaller<InputStream> {
        INSTANCE;

        @Override
        public InputStream stream(InputStream value) {
            return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
            return stream == null ? new ByteArrayInputStream(new byte[0]) : stream;
        }
    }
}
