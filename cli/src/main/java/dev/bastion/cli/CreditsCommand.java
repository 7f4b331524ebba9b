package dev.bastion.cli;

import dev.bastion.credits.Accounts;
import dev.bastion.credits.Credits;
import dev.bastion.credits.Entry;
import dev.bastion.credits.Ledger;
import dev.bastion.credits.LedgerVerifier;
import dev.bastion.credits.Price;
import dev.bastion.credits.Prices;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.User;
import dev.bastion.store.ModelName;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;
import java.util.UUID;

/** {@code bastion credits balance|grant|history|price|fee|earnings|verify}: the credits ledger of this home, as an admin sees it. */
@Command(name = "credits", description = "Credit balances, grants, prices and the ledger's verification.",
        mixinStandardHelpOptions = true,
        subcommands = {CreditsCommand.Balance.class, CreditsCommand.Grant.class, CreditsCommand.History.class,
                CreditsCommand.SetPrice.class, CreditsCommand.Fee.class, CreditsCommand.Earnings.class,
                CreditsCommand.Verify.class})
public final class CreditsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Opens the home's security services and credits for one command. */
    abstract static class LedgerCommand extends SecurityCommand {

        SecurityServices services;
        Credits credits;

        @Override
        final int run() {
            services = home.openSecurity();
            try (Credits opened = Credits.open(services, home.environment)) {
                credits = opened;
                return withLedger();
            }
        }

        abstract int withLedger();

        User user(String name) {
            return services.users().find(name).orElseThrow(() -> new IllegalArgumentException("no such user: " + name));
        }
    }

    @Command(name = "balance", description = "A user's balance and what open reservations hold; every user without USER.")
    static final class Balance extends LedgerCommand {

        @Parameters(index = "0", arity = "0..1", paramLabel = "USER")
        String name;

        @Override
        int withLedger() {
            for (User user : name == null ? services.users().list() : java.util.List.of(user(name))) {
                long reserved = credits.ledger().openReservations(user.id()).stream().mapToLong(Ledger.OpenReservation::amount).sum();
                out().printf("%-24s %12d%s%n", user.name(), credits.ledger().balanceOfUser(user.id()),
                        reserved == 0 ? "" : "  (" + reserved + " reserved)");
            }
            if (!credits.enabled()) out().println("(credits are off for this home: BASTION_CREDITS)");
            return 0;
        }
    }

    @Command(name = "grant", description = "Give a user credits. A retried grant with the same --idempotency-key is applied once.")
    static final class Grant extends LedgerCommand {

        @Parameters(index = "0", paramLabel = "USER")
        String name;

        @Parameters(index = "1", paramLabel = "AMOUNT", description = "A positive whole number of credits.")
        long amount;

        @Option(names = "--idempotency-key", description = "Names this grant; default: a new random key.")
        String key;

        @Override
        int withLedger() {
            User user = user(name);
            String idempotencyKey = "grant:" + (key != null ? key : UUID.randomUUID().toString());
            Ledger.Posted posted = credits.ledger().grant(user.id(), amount, idempotencyKey, HomeOption.actor(), null);
            if (posted.applied()) {
                audit(services, "credits.grant", user.name(), Map.of("amount", Long.toString(amount),
                        "transaction", Long.toString(posted.transactionId())));
            }
            out().println((posted.applied() ? "Granted " : "Already granted (same key): ") + amount + " credits to "
                    + user.name() + "; balance " + credits.ledger().balanceOfUser(user.id()));
            return 0;
        }
    }

    @Command(name = "history", description = "A user's newest ledger entries.")
    static final class History extends LedgerCommand {

        @Parameters(index = "0", paramLabel = "USER")
        String name;

        @Option(names = "--limit", defaultValue = "50")
        int limit;

        @Override
        int withLedger() {
            for (Entry e : credits.ledger().history(Accounts.user(user(name).id()), limit)) {
                // earnings name who was served and where; other entries the node only when it is one of a cluster
                String node = e.node() == null || e.node().equals(Ledger.LOCAL_NODE) ? "" : "  node " + e.node();
                String from = e.earning() && e.actor() != null ? "  from " + e.actor() : "";
                out().printf("%s  #%-8d %-8s %+10d  %s%s%s%s%n", e.at(), e.transactionId(), e.label(), e.amount(),
                        e.subject() == null ? "" : e.subject(), from, node,
                        e.requestId() == null ? "" : "  request " + e.requestId());
            }
            return 0;
        }
    }

    @Command(name = "price", description = {"Show prices, or set one: per 1,000 prompt tokens, per 1,000 generated tokens, per call.",
            "SUBJECT is a model (tiny, alice/mine:v1), tool:NAME, or default."})
    static final class SetPrice extends LedgerCommand {

        @Parameters(index = "0", arity = "0..1", paramLabel = "SUBJECT")
        String subject;

        @Option(names = "--prompt", description = "Credits per 1,000 prompt tokens.")
        Long prompt;

        @Option(names = "--generated", description = "Credits per 1,000 generated tokens.")
        Long generated;

        @Option(names = "--per-call", description = "Credits per request or tool call.")
        Long perCall;

        @Override
        int withLedger() {
            if (subject == null) {
                for (Price p : credits.prices().list()) print(p);
                if (credits.prices().list().stream().noneMatch(p -> p.subject().equals(Prices.DEFAULT))) {
                    print(Price.BUILT_IN_DEFAULT);
                }
                return 0;
            }
            String key = subject.equals(Prices.DEFAULT) || subject.startsWith("tool:") ? subject
                    : Prices.model(ModelName.parse(subject).toString());
            Price current = credits.prices().of(key);
            if (prompt == null && generated == null && perCall == null) {
                print(current);
                return 0;
            }
            Price price = new Price(key, prompt != null ? prompt : current.promptPer1k(),
                    generated != null ? generated : current.generatedPer1k(), perCall != null ? perCall : current.perCall());
            credits.prices().set(price, HomeOption.actor());
            audit(services, "credits.price", key, Map.of("prompt_per_1k", Long.toString(price.promptPer1k()),
                    "generated_per_1k", Long.toString(price.generatedPer1k()), "per_call", Long.toString(price.perCall())));
            print(price);
            return 0;
        }

        private void print(Price p) {
            out().printf("%-32s prompt %d/1k  generated %d/1k  per call %d%n", p.subject(), p.promptPer1k(),
                    p.generatedPer1k(), p.perCall());
        }
    }

    @Command(name = "fee", description = {"Show the network fee, or set it for every node sharing this database.",
            "A node's owner earns what the node charges less this share, which goes to network:fees (rounded down)."})
    static final class Fee extends LedgerCommand {

        @Parameters(index = "0", arity = "0..1", paramLabel = "PERCENT", description = "0 to 100, at most two decimals: 10, 12.5")
        String percent;

        @Override
        int withLedger() {
            if (percent != null) {
                dev.bastion.credits.NetworkFee fee = dev.bastion.credits.NetworkFee.parsePercent(percent);
                credits.ledger().setNetworkFee(fee, HomeOption.actor());
                audit(services, "credits.fee", "network", Map.of("basis_points", Integer.toString(fee.basisPoints())));
            }
            out().println("network fee " + credits.ledger().networkFee().percent()
                    + (credits.ledger().networkFeeSet() ? "" : " (the built-in default; none set)"));
            return 0;
        }
    }

    @Command(name = "earnings", description = "What each node's owner earned: requests, credits charged, the network's fees.")
    static final class Earnings extends LedgerCommand {

        @Override
        int withLedger() {
            Map<Long, String> names = new java.util.HashMap<>();
            for (User u : services.users().list()) names.put(u.id(), u.name());
            out().printf("%-24s %-24s %10s %12s %12s %12s%n", "NODE", "OWNER", "REQUESTS", "CHARGED", "FEES", "EARNED");
            for (Ledger.Earnings e : credits.ledger().earnings()) {
                out().printf("%-24s %-24s %10d %12d %12d %12d%n", e.node(),
                        names.getOrDefault(e.ownerUserId(), "user " + e.ownerUserId()), e.requests(), e.charged(), e.fees(),
                        e.earned());
            }
            return 0;
        }
    }

    @Command(name = "verify", description = "Recompute every balance from the ledger's entries; exit 1 naming each mismatch.")
    static final class Verify extends LedgerCommand {

        @Option(names = "--rebuild-balances", description = "After reporting, replace the cached balances by the entries' sums.")
        boolean rebuild;

        @Override
        int withLedger() {
            LedgerVerifier.Report report = credits.ledger().verify();
            for (String problem : report.problems()) err().println("credits ledger: " + problem);
            out().println((report.ok() ? "ok: " : "NOT ok: ") + report.transactions() + " transactions, " + report.entries()
                    + " entries, " + report.accounts() + " accounts, " + report.openReservations() + " open reservation(s)");
            if (rebuild) {
                credits.ledger().rebuildBalances();
                audit(services, "credits.rebuild", "balances", Map.of());
                out().println("cached balances rebuilt from the entries");
            }
            return report.ok() ? 0 : 1;
        }
    }
}
