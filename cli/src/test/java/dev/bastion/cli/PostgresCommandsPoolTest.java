package dev.bastion.cli;

import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.db.DatabaseConfig;
import dev.bastion.security.db.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One-shot commands against PostgreSQL close the pool they opened: after each, successful or not, the server has no
 * connection left to the home's database (a pool left open would hold its idle connections until the JVM exits).
 */
class PostgresCommandsPoolTest {

    @TempDir
    Path home;
    @TempDir
    Path scratch;

    @Test
    void everyKindOfCommandLeavesNoConnectionBehind() throws Exception {
        TestPostgres server = TestPostgres.shared();
        Map<String, String> env = server.freshEnvironment(scratch);
        String database = env.get(DatabaseConfig.ENV_URL).substring(env.get(DatabaseConfig.ENV_URL).lastIndexOf('/') + 1);
        try (SecurityServices services = SecurityServices.open(home, env)) {
            services.users().create("alice", Role.USER);
        }
        assertThat(server.backendsOf(database)).as("SecurityServices.close").isZero();

        record Step(Object command, int exit, String... args) {}
        for (Step step : new Step[] {
                new Step(new UsersCommand(), 0, "create", "bob"),
                new Step(new KeysCommand(), 0, "create", "--user", "alice"),
                new Step(new CreditsCommand(), 0, "grant", "alice", "100"),
                new Step(new CreditsCommand(), 0, "balance", "alice"),
                new Step(new CreditsCommand(), 1, "grant", "ghost", "5"),      // fails after opening the ledger
                new Step(new RemoveCommand(), 1, "ghost"),                     // a store command's audited failure
                new Step(new UsageCommand(), 0)}) {
            String[] result = run(step.command(), env, step.args());
            assertThat(Integer.parseInt(result[0])).as("%s %s: %s", step.command().getClass().getSimpleName(),
                    String.join(" ", step.args()), result[1]).isEqualTo(step.exit());
            assertThat(server.backendsOf(database)).as("connections left by %s %s", step.command().getClass().getSimpleName(),
                    String.join(" ", step.args())).isZero();
        }
    }

    /** Runs a command (and its subcommands) with {@code env} as the process environment; returns exit and stderr. */
    private String[] run(Object command, Map<String, String> env, String... args) {
        CommandLine cli = new CommandLine(command);
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        withEnvironment(cli, env);
        String[] withHome = java.util.Arrays.copyOf(args, args.length + 2);
        withHome[args.length] = "--home";
        withHome[args.length + 1] = home.toString();
        return new String[] {Integer.toString(cli.execute(withHome)), err.toString()};
    }

    private static void withEnvironment(CommandLine cli, Map<String, String> env) {
        switch (cli.getCommand()) {
            case SecurityCommand c -> c.home.environment = env;
            case StoreCommand c -> c.home.environment = env;
            default -> { }
        }
        cli.getSubcommands().values().forEach(sub -> withEnvironment(sub, env));
    }
}
