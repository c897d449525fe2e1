package org.tonle.host.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.tonle.core.config.ConfigException;
import org.tonle.core.config.PrincipalConfig;
import org.tonle.core.config.Role;
import org.tonle.core.config.TonleConfig;
import org.tonle.host.auth.AccessControl;
import org.tonle.pipelines.OwnerOnly;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tonle token}: a fresh bearer token (256 random bits) and the access.yaml entry holding
 * only its SHA-256. The token is printed once, to give to its holder; the node never stores it.
 * {@code tonle token add NAME} writes the entry into access.yaml itself.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = {"Make a bearer token for a new principal: 'token add NAME --role R' writes it into access.yaml;",
                "'token --name NAME --role R' only prints the entry. The node reloads access.yaml within a second."},
        subcommands = TokenCommand.Add.class)
final class TokenCommand implements Callable<Integer> {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Spec
    CommandSpec spec;

    @Option(names = "--name", description = "the principal's name, as the audit log will show it")
    String name;

    @Option(names = "--role", description = "admin, staff, analyst or donor")
    Role role;

    @Option(names = "--programs", split = ",", description = "donors: the programmes their agreement covers (e.g. social,awareness)")
    List<String> programs;

    @Option(names = "--offices", split = ",", description = "staff: the offices they record for (e.g. PNH)")
    List<String> offices;

    @Override
    public Integer call() {
        if (name == null || role == null) {
            throw new ParameterException(spec.commandLine(), "give --name and --role (or use: token add NAME --role R --config DIR)");
        }
        check(spec, name, role, programs, offices);
        String token = newToken();
        var out = spec.commandLine().getOut();
        out.println("# Token for " + name + " (give it to them; it is shown only once):");
        out.println("#   " + token);
        out.println("# Paste under principals: in access.yaml (or let 'bin/tonle token add' write it):");
        out.print(entry(name, role, AccessControl.sha256Hex(token), programs, offices));
        out.flush();
        return 0;
    }

    static void check(CommandSpec spec, String name, Role role, List<String> programs, List<String> offices) {
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
    }

    static String newToken() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return "tonle_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** One item of the principals list, indented under {@code principals:}. */
    static String entry(String name, Role role, String hash, List<String> programs, List<String> offices) {
        StringBuilder entry = new StringBuilder();
        entry.append("  - name: ").append(name).append('\n');
        entry.append("    role: ").append(role.id()).append('\n');
        entry.append("    token_sha256: ").append(hash).append('\n');
        if (programs != null) {
            entry.append("    programs: [").append(String.join(", ", programs)).append("]\n");
        }
        if (offices != null) {
            entry.append("    offices: [").append(String.join(", ", offices)).append("]\n");
        }
        return entry.toString();
    }

    /**
     * {@code tonle token add NAME --role R [--config DIR]}: appends the principal to access.yaml,
     * keeping its comments, checks that the result reads back as the old principals plus the new
     * one, writes it atomically (owner-only) and prints the token once.
     */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a principal with a fresh token to access.yaml and print the token once.")
    static final class Add implements Callable<Integer> {

        private static final Pattern EMPTY_LIST = Pattern.compile("(?m)^principals:[ \\t]*\\[[ \\t]*\\][ \\t]*(#.*)?$");
        private static final Pattern KEY = Pattern.compile("(?m)^principals:[ \\t]*(#.*)?$");
        private static final Pattern TOP_LEVEL = Pattern.compile("(?m)^[A-Za-z_]");

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", description = "the principal's name, as the audit log will show it")
        String name;

        @Option(names = "--role", required = true, description = "admin, staff, analyst or donor")
        Role role;

        @Option(names = "--programs", split = ",", description = "donors: the programmes their agreement covers")
        List<String> programs;

        @Option(names = "--offices", split = ",", description = "staff: the offices they record for")
        List<String> offices;

        @Option(names = "--config", defaultValue = "config", description = "configuration directory (default: ${DEFAULT-VALUE})")
        Path config;

        @Override
        public Integer call() throws IOException {
            check(spec, name, role, programs, offices);
            Path file = config.resolve("access.yaml");
            String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            List<PrincipalConfig> before = TonleConfig.readPrincipals(file); // fails on a broken file, naming its line
            if (before.stream().anyMatch(p -> name.equalsIgnoreCase(p.name()))) {
                throw new ParameterException(spec.commandLine(), "access.yaml already has a principal named '" + name + "'");
            }
            String token = newToken();
            String entry = entry(name, role, AccessControl.sha256Hex(token), programs, offices);
            String next = insert(text, entry);
            List<PrincipalConfig> expected = new ArrayList<>(before);
            expected.add(new PrincipalConfig(name, role, AccessControl.sha256Hex(token), programs, offices));
            List<PrincipalConfig> after;
            try {
                after = TonleConfig.parsePrincipals(file, next);
            } catch (ConfigException e) {
                after = null;
            }
            if (!expected.equals(after)) {
                throw new ParameterException(spec.commandLine(), file + " has a layout this command cannot extend safely;"
                        + " nothing was changed. Use 'bin/tonle token --name " + name + " ...' and paste the entry under principals:");
            }
            write(file, next);
            PrintWriter out = spec.commandLine().getOut();
            out.println("Added " + name + " (" + role.id() + ") to " + file + "; a running node accepts the token within a second.");
            out.println("Token (give it to " + name + "; it is shown only once and not kept anywhere):");
            out.println(token);
            out.flush();
            return 0;
        }

        /** {@code text} with {@code entry} as the last item of its principals list. */
        static String insert(String text, String entry) {
            Matcher empty = EMPTY_LIST.matcher(text);
            if (empty.find()) {
                return text.substring(0, empty.start()) + "principals:\n" + entry + text.substring(Math.min(text.length(), empty.end() + 1));
            }
            Matcher key = KEY.matcher(text);
            String ended = text.isEmpty() || text.endsWith("\n") ? text : text + "\n";
            if (!key.find()) {
                return ended + "principals:\n" + entry;
            }
            Matcher later = TOP_LEVEL.matcher(text);
            int end = text.length();
            if (later.find(key.end())) {
                end = later.start(); // the next top-level key ends the list
                return text.substring(0, end) + entry + text.substring(end);
            }
            return ended + entry;
        }

        private static void write(Path file, String text) throws IOException {
            Path absolute = file.toAbsolutePath();
            Path temporary = absolute.resolveSibling(".access.yaml." + UUID.randomUUID() + ".tmp");
            try {
                OwnerOnly.createDirectories(absolute.getParent());
                try (OutputStream out = OwnerOnly.newFile(temporary)) {
                    out.write(text.getBytes(StandardCharsets.UTF_8));
                }
                Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
        }
    }
}
