package dev.bastion.api;

import dev.bastion.engine.generate.GenerationResult;

/**
 * The one place that sees every generation and embedding, whichever API asked, with the caller: where metering
 * (credits), quotas and tool policy hook in. Called by {@link Generations} only.
 */
public interface GenerationListener {

    GenerationListener NONE = new GenerationListener() {};

    /**
     * Before the model is acquired (a queued request already holds what this returns); throwing (an {@link
     * ApiException}) refuses the call and nothing runs.
     */
    default Ticket starting(GenerationCall call) {
        return Ticket.NONE;
    }

    /** After inputs were embedded for {@code caller}, with their tokens; returns the credits charged, or null. */
    default Long embedded(Caller caller, String storedModel, int inputs, int tokens) {
        return null;
    }

    /**
     * {@code first} decides (refusals, credits charged), then each observer sees the same calls and outcomes (a module's
     * load figures); an observer must not throw.
     */
    static GenerationListener both(GenerationListener first, java.util.List<GenerationListener> observers) {
        if (observers.isEmpty()) return first;
        return new GenerationListener() {
            @Override
            public Ticket starting(GenerationCall call) {
                Ticket decided = first.starting(call);
                java.util.List<Ticket> seen = observers.stream().map(o -> o.starting(call)).toList();
                return new Ticket() {
                    @Override
                    public Long finished(dev.bastion.engine.generate.GenerationResult result) {
                        Long charged = decided.finished(result);
                        seen.forEach(t -> t.finished(result));
                        return charged;
                    }

                    @Override
                    public void close() {
                        try {
                            decided.close();
                        } finally {
                            seen.forEach(Ticket::close);
                        }
                    }
                };
            }

            @Override
            public Long embedded(Caller caller, String storedModel, int inputs, int tokens) {
                Long charged = first.embedded(caller, storedModel, inputs, tokens);
                observers.forEach(o -> o.embedded(caller, storedModel, inputs, tokens));
                return charged;
            }
        };
    }

    /** One started generation. {@link #close} is always called last, however the generation ended. */
    interface Ticket extends AutoCloseable {

        Ticket NONE = new Ticket() {};

        /** After the generation ended, also when it was cancelled or stopped early; returns credits charged, or null. */
        default Long finished(GenerationResult result) {
            return null;
        }

        /** Gives back whatever {@link #finished} did not settle (the generation failed). */
        @Override
        default void close() {
        }
    }
}
