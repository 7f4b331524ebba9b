package dev.bastion.api.credits;

import dev.bastion.api.ApiException;
import dev.bastion.api.Caller;
import dev.bastion.api.GenerationCall;
import dev.bastion.api.GenerationListener;
import dev.bastion.credits.Credits;
import dev.bastion.credits.InsufficientCreditsException;
import dev.bastion.credits.Reservation;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.Generator;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Principal;

import java.util.Map;

/**
 * Credits on the one generation path: before a generation (before it even queues for a model) the most it can cost is
 * reserved, or it is refused with 402 and the refusal audited; when it ends, however it ends, the tokens it used are
 * settled and the rest released, exactly once. Embeddings are charged after they ran, never beyond the balance.
 * Callers without an account (authentication off) and free roles are not metered.
 */
public final class CreditsMetering implements GenerationListener {

    private final Credits credits;
    private final AuditLog audit;

    public CreditsMetering(Credits credits, AuditLog audit) {
        this.credits = credits;
        this.audit = audit;
    }

    @Override
    public Ticket starting(GenerationCall call) {
        Principal account = call.caller().account();
        if (account == null || !credits.charges(account.role())) return Ticket.NONE;
        GenerationOptions options = call.options();
        long context = options.contextLength() > 0 ? options.contextLength() : Generator.DEFAULT_CONTEXT_LIMIT;
        Reservation reservation;
        try {
            reservation = credits.reserveGeneration(account.userId(), account.userName(), call.storedModel(), context,
                    options.maxTokens(), call.caller().requestId());
        } catch (InsufficientCreditsException e) {
            audit.append(new AuditEvent(call.caller().requestId(), account.userName(), "credits.refuse", call.storedModel(),
                    "denied", Map.of("required", Long.toString(e.required()), "available", Long.toString(e.available()))));
            throw new ApiException(402, e.getMessage(), null);
        }
        return new Ticket() {
            private boolean settled;

            @Override
            public Long finished(GenerationResult result) {
                long charged = credits.settleGeneration(reservation, result.promptTokens(), result.generatedTokens(),
                        call.caller().requestId());
                settled = true;
                return charged;
            }

            @Override
            public void close() {
                if (!settled) credits.ledger().release(reservation.id(), call.caller().requestId());
            }
        };
    }

    @Override
    public Long embedded(Caller caller, String storedModel, int inputs, int tokens) {
        Principal account = caller.account();
        if (account == null || !credits.charges(account.role())) return null;
        return credits.chargeEmbedding(account.userId(), account.userName(), storedModel, tokens, caller.requestId());
    }
}
