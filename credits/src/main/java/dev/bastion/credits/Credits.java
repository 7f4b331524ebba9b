package dev.bastion.credits;

import dev.bastion.security.Role;
import dev.bastion.security.db.Database;

import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

/**
 * Credits as a server applies them: whether a caller pays, what a request may cost at most, the reservation before the
 * work and the settlement after it. One instance per server process; its {@link #holder} marks the reservations it owns,
 * so that those of a process that died are released at the next start.
 */
public final class Credits implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Credits.class);

    private final Ledger ledger;
    private final Prices prices;
    private final UsageReport usage;
    private final CreditsConfig config;
    private final boolean enabled;
    private final Clock clock;
    private final String holder = UUID.randomUUID().toString();
    private final String node;
    private final Long owner;

    public Credits(Database database, CreditsConfig config, boolean enabled, Clock clock) {
        this(database, config, enabled, clock, Ledger.LOCAL_NODE);
    }

    /** @param node this node's name in a cluster sharing the database ({@link Ledger#LOCAL_NODE} alone) */
    public Credits(Database database, CreditsConfig config, boolean enabled, Clock clock, String node) {
        this(database, config, enabled, clock, node, null);
    }

    /**
     * @param owner the user id of this node's owner, who earns what generations and embeddings served here are charged
     *              (less the network fee); null: charges go to {@code revenue:<subject>}
     */
    public Credits(Database database, CreditsConfig config, boolean enabled, Clock clock, String node, Long owner) {
        this.node = node;
        this.owner = owner;
        this.ledger = new Ledger(database, clock, config.durableCommits());
        this.prices = new Prices(database, clock);
        this.usage = new UsageReport(database);
        this.config = config;
        this.enabled = enabled;
        this.clock = clock;
    }

    /**
     * Credits for a home, configured from the environment; "auto" looks at the users the home has now. The node's owner
     * ({@code BASTION_NODE_OWNER}) must be a user of the home: otherwise this refuses, and the server does not start.
     * The network fee is the shared database's: {@code BASTION_NETWORK_FEE} sets it there only if none was ever set
     * (the first node to start), and a node started with another fee warns that the database's applies.
     */
    public static Credits open(dev.bastion.security.SecurityServices security, java.util.Map<String, String> env) {
        CreditsConfig config = CreditsConfig.fromEnvironment(env);
        var users = security.users().list();
        long admins = users.stream().filter(u -> u.role() == Role.ADMIN).count();
        Long owner = null;
        if (config.nodeOwner() != null) {
            owner = security.users().find(config.nodeOwner()).map(dev.bastion.security.User::id)
                    .orElseThrow(() -> new IllegalArgumentException(CreditsConfig.ENV_NODE_OWNER + " names no user of this"
                            + " home: create the user first (bastion users create NAME) or unset it"));
        }
        Credits credits = new Credits(security.database(), config, config.enabledFor(users.size(), admins),
                Clock.systemUTC(), security.nodeName(), owner);
        if (config.networkFee() != null) credits.adoptNetworkFee(config.networkFee());
        return credits;
    }

    /** Sets the shared network fee to this node's if none was ever set; warns when the one in force differs. */
    void adoptNetworkFee(NetworkFee fee) {
        try {
            if (!ledger.networkFeeSet()) ledger.setNetworkFee(fee, CreditsConfig.ENV_NETWORK_FEE + "@" + node);
            NetworkFee inForce = ledger.networkFee();
            if (!inForce.equals(fee)) {
                LOG.warn("{}={} is NOT applied on node {}: every node applies the network fee in the shared database, {}"
                        + " (set it with: bastion credits fee PERCENT)", CreditsConfig.ENV_NETWORK_FEE, fee.percent(), node,
                        inForce.percent());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The user id of this node's owner, who earns its charges; null when it has none. */
    public Long owner() {
        return owner;
    }

    public Ledger ledger() {
        return ledger;
    }

    public Prices prices() {
        return prices;
    }

    public UsageReport usage() {
        return usage;
    }

    public boolean enabled() {
        return enabled;
    }

    public String holder() {
        return holder;
    }

    /** Whether this caller is charged at all. */
    public boolean charges(Role role) {
        return enabled && !config.freeRoles().contains(role);
    }

    public String node() {
        return node;
    }

    /**
     * Releases the reservations no one will settle: those of this node's earlier processes (at start they are all
     * gone) and those past their expiry (a request stuck far beyond any generation). Run at start and then
     * periodically. Other live nodes' reservations sharing the database are left alone.
     */
    public int releaseAbandoned() {
        return ledger.releaseAbandoned(node, holder);
    }

    /**
     * Releases the reservations another node made before it left the cluster at {@code leftAt}; exactly once even if
     * several survivors call it. This node's own are never released this way.
     */
    public int releaseNode(String other, Instant leftAt) {
        if (node.equals(other)) return 0;
        return ledger.releaseNode(other, leftAt);
    }

    /**
     * Reserves the most a generation on {@code storedModel} can cost, or refuses before any work.
     *
     * @param context the context the generation runs in (prompt and output together never exceed it)
     * @param maxGenerated the most tokens it may generate ({@code num_predict}; negative for no limit)
     */
    public Reservation reserveGeneration(long userId, String userName, String storedModel, long context, long maxGenerated,
                                         String requestId) throws InsufficientCreditsException {
        Price price = prices.of(Prices.model(storedModel));
        long limit = maxGenerated < 0 ? context : maxGenerated;
        long amount = price.maxCost(context, limit);
        Instant expires = clock.instant().plus(config.reservationTtl());
        return ledger.reserve(userId, amount, Prices.model(storedModel), node, holder, expires, userName, requestId);
    }

    /** Settles a generation's actual tokens; returns what was charged (0 when it had already been settled). */
    public long settleGeneration(Reservation reservation, long promptTokens, long generatedTokens, String requestId) {
        Price price = prices.of(reservation.subject());
        long cost = price.cost(promptTokens, generatedTokens);
        return ledger.settle(reservation.id(), cost, new Usage(promptTokens, generatedTokens), requestId, owner).orElse(0);
    }

    /**
     * Reserves a tool call's price ({@code tool:<full name>}'s per-call price, else the default's), or refuses before
     * the call; null when the call is free.
     */
    public Reservation reserveToolCall(long userId, String userName, String toolName, String requestId)
            throws InsufficientCreditsException {
        String subject = Prices.tool(toolName);
        long price = prices.of(subject).perCall();
        if (price == 0) return null;
        return ledger.reserve(userId, price, subject, node, holder, clock.instant().plus(config.reservationTtl()), userName, requestId);
    }

    /**
     * Charges a tool call that ran (its result may still be an error); returns what was charged. Tool calls earn the
     * node's owner nothing: the work is the tool's, not the node's models', so they go to {@code revenue:tool:<name>}.
     */
    public long settleToolCall(Reservation reservation, String requestId) {
        return ledger.settle(reservation.id(), reservation.amount(), Usage.NONE, requestId).orElse(0);
    }

    /** Charges an embedding after it ran (at most the balance); returns what was charged. */
    public long chargeEmbedding(long userId, String userName, String storedModel, long promptTokens, String requestId) {
        String subject = Prices.model(storedModel);
        long cost = prices.of(subject).cost(promptTokens, 0);
        return ledger.chargeAfter(userId, cost, subject, new Usage(promptTokens, 0), userName, requestId, node, owner);
    }

    @Override
    public void close() {
        ledger.close();
    }
}
