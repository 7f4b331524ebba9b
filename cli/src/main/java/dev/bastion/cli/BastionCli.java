package dev.bastion.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The single {@code bastion} binary; each capability contributes its subcommands. */
@Command(name = "bastion", mixinStandardHelpOptions = true, version = "bastion 0.1.0",
        description = "Secure, self-hosted AI engine: local models over Ollama- and OpenAI-compatible APIs.",
        subcommands = {CommandLine.HelpCommand.class})
public final class BastionCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        return new CommandLine(new BastionCli());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
