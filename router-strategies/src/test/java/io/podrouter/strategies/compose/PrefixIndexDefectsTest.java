package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The prefix index across models, adapters and large fleets. */
class PrefixIndexDefectsTest {

    private final MutableClock clock = new MutableClock();

    private static String text(long seed, int chars) {
        SplittableRandom r = new SplittableRandom(seed);
        char[] c = new char[chars];
        for (int i = 0; i < chars; i++) {
            c[i] = (char) ('a' + r.nextInt(26));
        }
        return new String(c);
    }

    private static List<Pod> pods(String prefix, int n) {
        List<Pod> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Pod.ready(prefix + i, "10.0." + (i >> 8) + "." + (i & 255), 8000, Instant.EPOCH));
        }
        return list;
    }

    @Test
    void aStableModelKeepsItsIndexWhileAnotherModelsDiscoveryChangesForLongerThanTheTtl() {
        PrefixCacheScorer s = PrefixCacheScorer.builder().clock(clock).blocksPerPod(1024).build();
        ComposedStrategy strategy = ComposedStrategy.builder("prefix").scorer(s, 1).build();
        View a = new View(3, 1).preparedFor(strategy); // model a's pods, prepared once: its discovery is stable
        InferenceRequest chat = InferenceRequest.forModel("a").withPrompt(text(1, 1024));
        int holder = a.route(strategy, chat);
        List<Pod> b = pods("b-", 2);
        for (int minute = 0; minute < 10; minute++) {
            clock.advance(Duration.ofMinutes(1));
            strategy.prepare(b); // model b's pods change (a scale event a minute): its candidate set is prepared again
            a.route(strategy, chat); // model a is in use all along
        }
        assertThat(s.matchedBlocks(chat, a.pod(holder))).isEqualTo(8);
        assertThat(a.route(strategy, chat)).isEqualTo(holder);
    }

    @Test
    void theSamePromptForAnotherAdapterOrModelOnTheSamePodDoesNotMatch() {
        PrefixCacheScorer s = PrefixCacheScorer.builder().clock(clock).blocksPerPod(1024).build();
        ComposedStrategy strategy = ComposedStrategy.builder("prefix").scorer(s, 1).build();
        View v = new View(1, 1).preparedFor(strategy);
        String prompt = text(2, 1024);
        InferenceRequest sql = InferenceRequest.forModel("llama").withPrompt(prompt).withLoraAdapter("sql-lora");
        v.route(strategy, sql);
        assertThat(s.matchedBlocks(sql, v.pod(0))).isEqualTo(8);
        assertThat(s.matchedBlocks(sql.withLoraAdapter("chat-lora"), v.pod(0))).isZero();
        assertThat(s.matchedBlocks(sql.withLoraAdapter(null), v.pod(0))).isZero();
        assertThat(s.matchedBlocks(InferenceRequest.forModel("mistral").withPrompt(prompt).withLoraAdapter("sql-lora"),
                v.pod(0))).isZero();
        int[] ids = new int[64];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + i;
        }
        InferenceRequest tokens = InferenceRequest.forModel("llama").withTokenIds(ids);
        v.route(strategy, tokens);
        assertThat(s.matchedBlocks(tokens, v.pod(0))).isEqualTo(4);
        assertThat(s.matchedBlocks(tokens.withLoraAdapter("sql-lora"), v.pod(0))).isZero();
    }

    /**
     * 4,096 pods, each sent 2 prompts of 8,192 characters (64 blocks) under one shared 1,024-character system prompt
     * that every pod holds: the retained size, counted from the arrays the index holds, stays under the budget plus
     * the fixed per-pod state, no pod's table outgrows its fair share of the budget, and preparing the pods allocates
     * no table at all.
     */
    @Test
    void fourThousandPodsStayUnderTheMemoryBudgetAndNothingIsAllocatedBeforeUse() {
        long budget = 16L << 20; // less than the 4,096 tables would take at the size they grow to (32 MiB)
        PrefixCacheScorer s = PrefixCacheScorer.builder().clock(clock).maxIndexBytes(budget).build();
        List<Pod> list = pods("pod-", 4096);
        Object prepared = s.prepare(list);
        View v = new View(list.size(), 1);
        long empty = s.retainedBytes();
        assertThat(empty).isEqualTo(4096L * PrefixCacheScorer.POD_STATE_BYTES + PrefixCacheScorer.arrayBytes(PrefixCacheScorer.INITIAL_DIRECTORY, 4));
        String system = text(3, 1024);
        long bound = budget + 4096L * PrefixCacheScorer.POD_STATE_BYTES; // 16 MiB + 384 KiB
        for (int k = 0; k < 2; k++) {
            for (int p = 0; p < list.size(); p++) {
                InferenceRequest r = InferenceRequest.forModel("m").withPrompt(system + text(k * 4096L + p, 8192 - 1024));
                s.selected(r, v, prepared, p);
            }
            clock.advance(Duration.ofSeconds(1));
            assertThat(s.retainedBytes()).isLessThanOrEqualTo(bound);
        }
        assertThat(s.retainedBytes()).isLessThanOrEqualTo(s.budgetedBytes() + 4096L * PrefixCacheScorer.POD_STATE_BYTES);
        assertThat(s.budgetedBytes()).isLessThanOrEqualTo(budget);
        for (PrefixCacheScorer.PodState st : s.indexes().values()) { // no pod beyond its fair share: 16 MiB / 4,096
            assertThat(PrefixCacheScorer.arrayBytes(st.table.length, 8)).isLessThanOrEqualTo(budget / 4096);
        }
        // Still an index on every pod, the first and the last to grow: the last prompt each was sent matches there.
        for (int p : new int[] {0, 2048, 4095}) {
            InferenceRequest last = InferenceRequest.forModel("m").withPrompt(system + text(1 * 4096L + p, 8192 - 1024));
            assertThat(s.matchedBlocks(last, list.get(p))).as("pod %d", p).isGreaterThanOrEqualTo(16);
        }
    }

    @Test
    void aSystemPromptSharedByManyPodsIsProbedOnlyOnThePodsHoldingIt() {
        PrefixCacheScorer s = PrefixCacheScorer.builder().clock(clock).blocksPerPod(1024).withoutAffinityRelease().build();
        List<Pod> list = pods("pod-", 4096);
        Object prepared = s.prepare(list);
        View v = new View(list.size(), 1);
        String system = text(4, 1024);
        for (int p = 0; p < 40; p++) { // 40 holders: more than any fixed directory set would keep
            s.selected(InferenceRequest.forModel("m").withPrompt(system + text(100 + p, 1024)), v, prepared, p * 100);
        }
        InferenceRequest r = InferenceRequest.forModel("m").withPrompt(system + text(999, 1024));
        assertThat(s.holdersOf(r)).isEqualTo(40);
        CountingView counting = new CountingView(list.size());
        double[] out = new double[list.size()];
        s.score(r, counting, prepared, out);
        assertThat(counting.readinessReads).isEqualTo(40); // one per holder, none for the 4,056 other pods
        for (int p = 0; p < list.size(); p++) {
            assertThat(out[p]).isEqualTo(p % 100 == 0 && p < 4000 ? 0.5 : 0.0);
        }
    }

    /** Counts readiness reads: the prefix scorer reads a candidate's readiness only when it probes its table. */
    private static final class CountingView extends View {
        int readinessReads;

        CountingView(int n) {
            super(n, 1);
        }

        @Override
        public boolean isReady(int i) {
            readinessReads++;
            return true;
        }
    }
}
