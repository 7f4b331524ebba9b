package dev.bastion.engine.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a {@link Grammar} over bytes like llama.cpp's grammar sampler: a state is the set of parse stacks (each a
 * persistent list of positions in the grammar) whose top is a terminal, plus whether the input so far is complete.
 * States are interned and their byte transitions memoized, so the grammar becomes a lazily built automaton: walking
 * the vocabulary from a state seen before costs array lookups, not parsing. Not thread-safe: one per generation.
 */
public final class GrammarMatcher {

    /**
     * Interned states kept before the cache starts over: each holds up to 256 transitions (about 1 KiB), so this bounds
     * a generation's cache to some 16 MiB however long and varied its output.
     */
    static final int MAX_STATES = 16_384;

    /**
     * Parse stacks kept per state. Every stack is a valid parse that can be completed (the grammar has no dead ends),
     * so dropping some only narrows the output; it bounds the work per byte when a schema offers thousands of
     * alternatives that start alike (a huge anyOf).
     */
    static final int MAX_STACKS = 1024;

    /** One parse stack: the position of its top element and the rest. Structural equality, hash cached. */
    static final class Stack {
        final int position;
        final Stack next;
        final int hash;

        Stack(int position, Stack next) {
            this.position = position;
            this.next = next;
            this.hash = 31 * (next == null ? 0 : next.hash) + position;
        }

        @Override
        public boolean equals(Object o) {
            Stack a = this;
            Stack b = o instanceof Stack s ? s : null;
            while (a != null && b != null) {
                if (a == b) return true;
                if (a.hash != b.hash || a.position != b.position) return false;
                a = a.next;
                b = b.next;
            }
            return a == b;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** A set of stacks whose tops are terminals, and whether the input so far is a complete sentence. */
    public static final class State {
        final Stack[] stacks;
        final boolean complete;
        private final int hash;
        /** The cache generation the state was interned in; its memoized transitions are valid only within it. */
        int epoch;
        /** Memoized transitions by byte; null: not computed yet. */
        State[] next;
        /** Memoized by {@link TokenConstraint}: the tokens allowed from here. */
        long[] tokenMask;

        State(Stack[] stacks, boolean complete) {
            this.stacks = stacks;
            this.complete = complete;
            this.hash = Arrays.hashCode(stacks) * 2 + (complete ? 1 : 0);
        }

        /** The input so far is a whole sentence of the grammar. */
        public boolean complete() {
            return complete;
        }

        /** No byte can follow: only the end of the input. */
        public boolean finished() {
            return stacks.length == 0;
        }

        boolean dead() {
            return stacks.length == 0 && !complete;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && s.hash == hash && s.complete == complete && Arrays.equals(s.stacks, stacks);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final Grammar grammar;
    private final int maxStates;
    private final Map<State, State> interned = new HashMap<>();
    private final State dead = new State(new Stack[0], false);
    private State start;
    private int epoch;

    public GrammarMatcher(Grammar grammar) {
        this(grammar, MAX_STATES);
    }

    GrammarMatcher(Grammar grammar, int maxStates) {
        this.grammar = grammar;
        this.maxStates = maxStates;
        Collector c = new Collector();
        expandRule(grammar.startRule, null, c);
        this.start = c.state();
    }

    public State start() {
        start = current(start);
        return start;
    }

    /** {@code state} itself, or its copy in the current cache once the cache started over since it was interned. */
    private State current(State state) {
        if (state.epoch == epoch || state.dead()) return state;
        State copy = new State(state.stacks, state.complete);
        copy.epoch = epoch;
        State known = interned.putIfAbsent(copy, copy);
        return known == null ? copy : known;
    }

    /** The number of states interned since the cache last started over. */
    int cachedStates() {
        return interned.size();
    }

    /** The state after {@code b} (0..255) in {@code state}; a dead state (see {@link #isDead}) when the byte is not allowed. */
    public State step(State state, int b) {
        state = current(state);
        if (state.next == null) state.next = new State[256];
        State known = state.next[b];
        if (known != null) return known;
        Collector c = new Collector();
        for (Stack s : state.stacks) {
            if (grammar.accepts(grammar.code[s.position], b)) expand(s.position + 1, s.next, c);
        }
        State result = c.state();
        state.next[b] = result;
        return result;
    }

    /** The state after all of {@code bytes}, or a dead one. */
    public State step(State state, byte[] bytes) {
        for (byte b : bytes) {
            if (state.dead()) return state;
            state = step(state, b & 0xff);
        }
        return state;
    }

    public boolean isDead(State state) {
        return state.dead();
    }

    /** Pushes what the grammar can do at {@code position} (with {@code rest} below it) until terminals are on top. */
    private void expand(int position, Stack rest, Collector c) {
        int element = grammar.code[position];
        if (element >= 0) {
            c.add(new Stack(position, rest));
        } else if (element == Grammar.END) {
            if (rest == null) c.complete = true;
            else expand(rest.position, rest.next, c);
        } else {
            // A reference last in its alternative needs no return position: right recursion does not grow the stack.
            Stack after = grammar.code[position + 1] == Grammar.END ? rest : new Stack(position + 1, rest);
            expandRule(Grammar.ruleOf(element), after, c);
        }
    }

    private void expandRule(int rule, Stack rest, Collector c) {
        for (int start : grammar.alternatives[rule]) expand(start, rest, c);
    }

    private final class Collector {
        final List<Stack> stacks = new ArrayList<>(8);
        /** For deduplication once there are many stacks; a short list is searched directly. */
        Set<Stack> seen;
        boolean complete;

        void add(Stack s) {
            if (stacks.size() >= MAX_STACKS) return;
            if (seen == null && stacks.size() >= 16) seen = new HashSet<>(stacks);
            if (seen != null) {
                if (!seen.add(s)) return;
            } else {
                for (Stack t : stacks) if (t.equals(s)) return;
            }
            stacks.add(s);
        }

        State state() {
            if (stacks.isEmpty() && !complete) return dead;
            Stack[] array = stacks.toArray(new Stack[0]);
            // A canonical order, so that the same set interns to the same state.
            Arrays.sort(array, (x, y) -> x.hash != y.hash ? Integer.compare(x.hash, y.hash) : Integer.compare(x.position, y.position));
            State candidate = new State(array, complete);
            if (interned.size() >= maxStates) {
                // Starting over drops the old states: nothing refers to them once callers move to current copies.
                interned.clear();
                epoch++;
            }
            candidate.epoch = epoch;
            State known = interned.putIfAbsent(candidate, candidate);
            return known == null ? candidate : known;
        }
    }
}
