package dev.bastion.cli;

import picocli.CommandLine;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/** The single {@code bastion} binary; each capability contributes its subcommands. */
@Command(name = "bastion", mixinStandardHelpOptions = true, version = "bastion 0.1.0",
        description = "Secure, self-hosted AI engine: local models over Ollama- and OpenAI-compatible APIs.",
        subcommands = {
                ServeCommand.class, RunCommand.class, ImportCommand.class, CreateCommand.class, ListCommand.class, ShowCommand.class,
                CopyCommand.class, RemoveCommand.class, PullCommand.class, PushCommand.class, StoreMaintenanceCommand.class, GenerateTinyCommand.class,
                UsersCommand.class, KeysCommand.class, AuditCommand.class, SecretCommand.class, CreditsCommand.class, UsageCommand.class,
                McpCommand.class, SignCommand.class, VerifyCommand.class, TrustCommand.class,
                ClusterCommand.class,
                CommandLine.HelpCommand.class})
public final class BastionCli implements Runnable {

    public static final String VERSION = "0.1.0";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        // One shared writer pair (set on the root, picocli hands it to every subcommand) so main can flush it.
        return new CommandLine(new BastionCli())
                .setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true))
                .setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    }

    public static void main(String[] args) {
        CommandLine commandLine = commandLine();
        int exitCode = commandLine.execute(args);
        // Commands print through picocli's writers, which only auto-flush on println.
        commandLine.getOut().flush();
        commandLine.getErr().flush();
        System.exit(exitCode);
    }
}
