package org.tonle.host.cli;

import org.slf4j.LoggerFactory;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code bin/tonle}: the node and its client commands. */
@Command(name = "tonle", mixinStandardHelpOptions = true, versionProvider = TonleCommand.Version.class,
        description = "Tonle: monitoring and reporting for child-protection programmes.",
        subcommands = {ServeCommand.class, DemoCommand.class, ImportCommand.class, ReportCommand.class, SqlCommand.class,
                TokenCommand.class, UserCommand.class, BundlesCommand.class, CertCommand.class, BackupCommand.class, RestoreCommand.class,
                KeyCommand.class, UnsealCommand.class, ProgrammeCommand.class, CommandLine.HelpCommand.class})
public final class TonleCommand {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        // A node's start builds picocli's model of its own command only, not of all fifteen, and
        // --version none of them (docs/PERFORMANCE.md).
        Object root = startsNode(args) ? nodeCommand(args[0]) : asksVersion(args) ? new VersionOnly() : new TonleCommand();
        return new CommandLine(root)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    // A person reads this: the reason, not a stack trace (which goes to the log).
                    LoggerFactory.getLogger(TonleCommand.class).debug("Command failed", e);
                    commandLine.getErr().println("tonle " + commandLine.getCommandName() + ": " + e.getMessage());
                    return 1;
                })
                .execute(args);
    }

    private static boolean startsNode(String[] args) {
        return args.length > 0 && (args[0].equals("serve") || args[0].equals("demo"));
    }

    private static boolean asksVersion(String[] args) {
        return args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
    }

    /** {@code tonle --version} (or {@code -V}) alone: the same line, without the commands' model. */
    @Command(name = "tonle", mixinStandardHelpOptions = true, versionProvider = TonleCommand.Version.class)
    static final class VersionOnly {
    }

    /**
     * The command line of {@code serve} or {@code demo}, under the same name, with picocli's model
     * of that command alone: its usage and errors read as under {@link TonleCommand}.
     */
    static Object nodeCommand(String command) {
        return command.equals("serve") ? new ServeOnly() : new DemoOnly();
    }

    /** {@code tonle serve} alone. */
    @Command(name = "tonle", mixinStandardHelpOptions = true, versionProvider = TonleCommand.Version.class,
            subcommands = {ServeCommand.class})
    static final class ServeOnly {
    }

    /** {@code tonle demo} alone. */
    @Command(name = "tonle", mixinStandardHelpOptions = true, versionProvider = TonleCommand.Version.class,
            subcommands = {DemoCommand.class})
    static final class DemoOnly {
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TonleCommand.class.getPackage().getImplementationVersion();
            return new String[] {"tonle " + (version == null ? "development" : version)};
        }
    }
}
