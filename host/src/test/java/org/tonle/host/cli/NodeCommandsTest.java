package org.tonle.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import picocli.CommandLine;

/**
 * {@code tonle serve} and {@code tonle demo} are each read by a command line of their own (picocli's
 * model of the other commands is not built at a node's start): what a person sees is the same.
 */
class NodeCommandsTest {

    @ParameterizedTest
    @ValueSource(strings = {"serve", "demo"})
    void usageIsTheSameAsUnderTheWholeCommandLine(String command) {
        assertThat(new CommandLine(TonleCommand.nodeCommand(command)).getSubcommands()).containsOnlyKeys(command);
        String whole = new CommandLine(new TonleCommand()).getSubcommands().get(command).getUsageMessage();
        String own = new CommandLine(TonleCommand.nodeCommand(command)).getSubcommands().get(command).getUsageMessage();
        assertThat(own).isEqualTo(whole).contains("Usage: tonle " + command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "demo"})
    void aWrongOptionIsRefusedAlikeWithTheSameCode(String command) {
        StringWriter whole = new StringWriter();
        int wholeCode = new CommandLine(new TonleCommand()).setErr(new PrintWriter(whole)).execute(command, "--no-such-option");
        StringWriter own = new StringWriter();
        int ownCode = new CommandLine(TonleCommand.nodeCommand(command)).setErr(new PrintWriter(own)).execute(command, "--no-such-option");
        assertThat(ownCode).isEqualTo(wholeCode).isEqualTo(2);
        assertThat(own.toString()).isEqualTo(whole.toString()).contains("Unknown option: '--no-such-option'");
    }

    /** {@code tonle --version} reads the version without the model of the commands: the same line, the same code. */
    @ParameterizedTest
    @ValueSource(strings = {"--version", "-V"})
    void theVersionIsTheSameWithoutTheCommands(String option) {
        StringWriter whole = new StringWriter();
        int wholeCode = new CommandLine(new TonleCommand()).setOut(new PrintWriter(whole)).execute(option);
        StringWriter own = new StringWriter();
        int ownCode = new CommandLine(new TonleCommand.VersionOnly()).setOut(new PrintWriter(own)).execute(option);
        assertThat(ownCode).isEqualTo(wholeCode).isZero();
        assertThat(own.toString()).isEqualTo(whole.toString()).startsWith("tonle ");
    }
}
