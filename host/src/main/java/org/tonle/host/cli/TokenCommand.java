package org.tonle.host.cli;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import org.tonle.core.config.Role;
import org.tonle.host.auth.AccessControl;

/**
 * {@code tonle token}: a fresh bearer token (256 random bits) and the access.yaml entry holding
 * only its SHA-256. The token is printed once, to give to its holder; the node never stores it.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = {"Make a bearer token for a new principal and print the access.yaml entry to paste.",
                "The node reloads access.yaml within a second of the change; no restart is needed."})
final class TokenCommand implements Callable<Integer> {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Spec
    CommandSpec spec;

    @Option(names = "--name", required = true, description = "the principal's name, as the audit log will show it")
    String name;

    @Option(names = "--role", required = true, description = "admin, staff, analyst or donor")
    Role role;

    @Option(names = "--programs", split = ",", description = "donors: the programmes their agreement covers (e.g. social,awareness)")
    List<String> programs;

    @Option(names = "--offices", split = ",", description = "staff: the offices they record for (e.g. PNH)")
    List<String> offices;

    @Override
    public Integer call() {
        if (!name.matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new ParameterException(spec.commandLine(), "--name: use 1 to 64 letters, digits, '.', '_', '@' or '-'");
        }
        if (role == Role.DONOR && (programs == null || programs.isEmpty())) {
            throw new ParameterException(spec.commandLine(), "--programs: a donor needs the programmes of its agreement");
        }
        if (role != Role.DONOR && programs != null) {
            throw new ParameterException(spec.commandLine(), "--programs is for donors only");
        }
        if (role != Role.STAFF && offices != null) {
            throw new ParameterException(spec.commandLine(), "--offices is for staff only");
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = "tonle_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        var out = spec.commandLine().getOut();
        out.println("# Token for " + name + " (give it to them; it is shown only once):");
        out.println("#   " + token);
        out.println("# Paste under principals: in access.yaml:");
        out.println("  - name: " + name);
        out.println("    role: " + role.id());
        out.println("    token_sha256: " + AccessControl.sha256Hex(token));
        if (programs != null) {
            out.println("    programs: [" + String.join(", ", programs) + "]");
        }
        if (offices != null) {
            out.println("    offices: [" + String.join(", ", offices) + "]");
        }
        out.flush();
        return 0;
    }
}
