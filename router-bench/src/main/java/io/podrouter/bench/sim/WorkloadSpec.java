package io.podrouter.bench.sim;

import java.util.Locale;

/**
 * What the requests of a scenario contain: lengths only (the length profile or a trace; no content, no prefix
 * cache), or token ids, so that routers and the pods' prefix caches see the same prefixes. Immutable and
 * thread-safe; validated by {@link Scenario#parse} (keys of one workload given with another are an error).
 *
 * <ul>
 *   <li>{@code workload=shared-prefix}, as inference-perf's and llm-d-benchmark's {@code shared_prefix}
 *       generator: {@code prefixGroups} groups, each with a system prompt of {@code systemPromptTokens} random
 *       tokens; each group has {@code promptsPerGroup} prompts, each its group's system prompt followed by a
 *       question of {@code questionTokens} random tokens of its own; each request asks for {@code outputTokens}.
 *       Requests arrive by the scenario's arrival process and rates; each draws its group and its prompt in
 *       that group uniformly at random (so a prompt may be asked again, as those generators sample it).</li>
 *   <li>{@code workload=multi-turn}: chat sessions whose context grows turn by turn. Turn 1 of a session is
 *       {@code turnTokens} random tokens; turn k is the whole conversation so far (every earlier prompt and
 *       response) followed by {@code turnTokens} new tokens; each response is {@code outputTokens} tokens. A
 *       session is a closed loop: its next turn arrives {@code thinkTimeSeconds} after the previous response
 *       completed. Session starts arrive as a Poisson process at {@code baseRate} until {@code sessions} have
 *       started; when a session has done its {@code turnsPerSession} turns, or a turn failed (the user leaves),
 *       a new session takes its place {@code thinkTimeSeconds} later, so {@code sessions} users stay active
 *       until the scenario's duration. Each request carries its session's id as the session key.</li>
 * </ul>
 *
 * @param kind               which workload
 * @param prefixGroups       shared-prefix: number of groups (system prompts)
 * @param promptsPerGroup    shared-prefix: distinct prompts per group
 * @param systemPromptTokens shared-prefix: tokens of each group's system prompt
 * @param questionTokens     shared-prefix: tokens of each prompt's own question
 * @param outputTokens       shared-prefix and multi-turn: output tokens of each request
 * @param sessions           multi-turn: concurrent sessions
 * @param turnsPerSession    multi-turn: turns of a session
 * @param turnTokens         multi-turn: new tokens of each turn
 * @param thinkTimeSeconds   multi-turn: seconds from a response's completion to the session's next turn
 */
public record WorkloadSpec(Kind kind, int prefixGroups, int promptsPerGroup, int systemPromptTokens, int questionTokens,
                           int outputTokens, int sessions, int turnsPerSession, int turnTokens, double thinkTimeSeconds) {

    /** The workloads. */
    public enum Kind {
        /** Lengths from the length profile or a trace; no token ids. */
        LENGTHS,
        /** Groups of prompts sharing a system prompt. */
        SHARED_PREFIX,
        /** Chat sessions whose context grows turn by turn. */
        MULTI_TURN;

        /** The scenario-key spelling, e.g. {@code shared-prefix}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Whether requests carry token ids (and pods model the prefix cache). */
    public boolean hasContent() {
        return kind != Kind.LENGTHS;
    }

    /** The workload's parameters as {@code key=value} text for reports. */
    public String describe() {
        switch (kind) {
            case SHARED_PREFIX:
                return "workload=shared-prefix prefixGroups=" + prefixGroups + " promptsPerGroup=" + promptsPerGroup
                        + " systemPromptTokens=" + systemPromptTokens + " questionTokens=" + questionTokens + " outputTokens="
                        + outputTokens;
            case MULTI_TURN:
                return "workload=multi-turn sessions=" + sessions + " turnsPerSession=" + turnsPerSession + " turnTokens="
                        + turnTokens + " outputTokens=" + outputTokens + " thinkTimeSeconds=" + thinkTimeSeconds;
            default:
                return "workload=lengths";
        }
    }
}
