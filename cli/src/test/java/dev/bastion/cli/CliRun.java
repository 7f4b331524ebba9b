package dev.bastion.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;

/** One command run in-process against a home, as the tests of the CLI's commands drive them. */
record CliRun(int exit, String out, String err) {

    /** Runs {@code command} with {@code args} and {@code --home home}, capturing what it prints. */
    static CliRun run(Path home, Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] withHome = Arrays.copyOf(args, args.length + 2);
        withHome[args.length] = "--home";
        withHome[args.length + 1] = home.toString();
        int exit = cli.execute(withHome);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
