package dev.bastion.cli;

import dev.bastion.credits.Credits;
import dev.bastion.credits.UsageReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.LocalDate;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code bastion usage}: requests, tokens and credits per user, model and day, from the settled charges. */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = "Usage totals from the credits ledger, grouped by user, model and/or day (UTC).")
public final class UsageCommand extends SecurityCommand {

    @Option(names = "--from", description = "First day, YYYY-MM-DD.")
    LocalDate from;

    @Option(names = "--to", description = "Last day, YYYY-MM-DD.")
    LocalDate to;

    @Option(names = "--user", description = "Only this user.")
    String user;

    @Option(names = "--group-by", split = ",", defaultValue = "user,model,day", description = "Any of user, model, day (default: all).")
    String[] groupBy;

    @Override
    int run() {
        var services = home.openSecurity();
        Set<UsageReport.GroupBy> groups = EnumSet.noneOf(UsageReport.GroupBy.class);
        for (String g : groupBy) groups.add(UsageReport.GroupBy.parse(g));
        Map<Long, String> names = new HashMap<>();
        services.users().list().forEach(u -> names.put(u.id(), u.name()));
        Long userId = user == null ? null
                : services.users().find(user).orElseThrow(() -> new IllegalArgumentException("no such user: " + user)).id();
        try (Credits credits = Credits.open(services, home.environment)) {
            out().printf("%-16s %-28s %-10s %9s %12s %12s %10s%n", "USER", "MODEL", "DAY", "REQUESTS", "PROMPT", "GENERATED", "CREDITS");
            for (UsageReport.Row r : credits.usage().query(userId, from, to, groups)) {
                out().printf("%-16s %-28s %-10s %9d %12d %12d %10d%n",
                        r.userId() == null ? "" : names.getOrDefault(r.userId(), "#" + r.userId()),
                        r.model() == null ? "" : r.model(), r.day() == null ? "" : r.day(), r.requests(),
                        r.promptTokens(), r.generatedTokens(), r.credits());
            }
        }
        return 0;
    }
}
