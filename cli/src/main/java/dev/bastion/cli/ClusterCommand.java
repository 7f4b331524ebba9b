package dev.bastion.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bastion cluster ...}: several nodes as one service. Each subcommand is its own class; add yours to {@code subcommands}. */
@Command(name = "cluster", description = "Run several nodes as one service: the cluster CA, node certificates, status, draining a node.",
        mixinStandardHelpOptions = true,
        subcommands = {
                ClusterInitCommand.class, ClusterJoinCommand.class, ClusterRevokeCommand.class,
                ClusterStatusCommand.class, ClusterDrainCommand.class,
        })
public final class ClusterCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
