package org.tonle.host.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.tonle.core.RequestRefused;
import org.tonle.core.config.Role;
import org.tonle.host.auth.Accounts;
import org.tonle.host.auth.PasswordHash;
import org.tonle.host.auth.UserFile;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tonle user add|passwd|disable|list}: edits {@code <config>/users.yaml} directly, whether
 * or not a node is running (a running node reloads it within a second and audits each change as
 * made by {@code users.yaml}). The password is read twice, without echo from the terminal, or as
 * two lines of standard input when there is no terminal (scripts, tests).
 */
@Command(name = "user", mixinStandardHelpOptions = true,
        description = "Manage the people who sign in with a name and password (config/users.yaml).",
        subcommands = {UserCommand.Add.class, UserCommand.Passwd.class, UserCommand.Disable.class, UserCommand.ListUsers.class})
final class UserCommand {

    /** The options every subcommand has. */
    static class Common {
        @Spec
        CommandSpec spec;

        @Option(names = "--config", defaultValue = "config", description = "configuration directory (default: ${DEFAULT-VALUE})")
        Path config;

        Path file() {
            return UserFile.in(config);
        }

        List<UserFile.User> users() {
            return new ArrayList<>(UserFile.read(file()));
        }

        /** Writes the users (atomically, owner-only) and says what changed. */
        void save(List<UserFile.User> users, String done) {
            UserFile.write(file(), users);
            spec.commandLine().getOut().println(done);
            spec.commandLine().getOut().flush();
        }

        /** Where the named user stands in the file; refuses a name the file does not hold. */
        int existing(List<UserFile.User> users, String name) {
            int at = find(users, name);
            if (at < 0) {
                throw new ParameterException(spec.commandLine(), "there is no user named '" + name + "' in " + file());
            }
            return at;
        }

        int find(List<UserFile.User> users, String name) {
            for (int i = 0; i < users.size(); i++) {
                if (users.get(i).name().equalsIgnoreCase(name)) {
                    return i;
                }
            }
            return -1;
        }

        /** The new password, asked twice; both must match and be acceptable. */
        char[] newPassword(String name) {
            char[] first;
            char[] second;
            Console console = System.console();
            if (console != null) {
                first = console.readPassword("New password for %s: ", name);
                second = console.readPassword("Again: ");
            } else {
                try {
                    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                    String a = in.readLine();
                    String b = in.readLine();
                    if (a == null || b == null) {
                        throw new ParameterException(spec.commandLine(), "give the password twice, one line each, on standard input");
                    }
                    first = a.toCharArray();
                    second = b.toCharArray();
                } catch (IOException e) {
                    throw new ParameterException(spec.commandLine(), "cannot read the password: " + e.getMessage());
                }
            }
            if (first == null || second == null || !Arrays.equals(first, second)) {
                throw new ParameterException(spec.commandLine(), "the two passwords differ; nothing was changed");
            }
            Arrays.fill(second, '\0');
            try {
                Accounts.checkPassword(first);
            } catch (RequestRefused e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            return first;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a user; the password is asked for twice.")
    static final class Add extends Common implements Callable<Integer> {

        @Parameters(index = "0", description = "the user's name, as they sign in and as the audit log shows it")
        String name;

        @Option(names = "--role", required = true, description = "admin, staff, analyst or donor")
        Role role;

        @Option(names = "--offices", split = ",", description = "staff: the offices they record for (e.g. PNH)")
        List<String> offices;

        @Option(names = "--programs", split = ",", description = "donors: the programmes their agreement covers")
        List<String> programs;

        @Override
        public Integer call() {
            if (!UserFile.validName(name)) {
                throw new ParameterException(spec.commandLine(), "NAME: use 1 to 64 letters, digits, '.', '_', '@' or '-'");
            }
            if (role == Role.DONOR && (programs == null || programs.isEmpty())) {
                throw new ParameterException(spec.commandLine(), "--programs: a donor needs the programmes of its agreement");
            }
            List<UserFile.User> users = users();
            if (find(users, name) >= 0) {
                throw new ParameterException(spec.commandLine(), "there is already a user named '" + name + "' in " + file());
            }
            if (role != Role.STAFF && offices != null || role != Role.DONOR && programs != null) {
                throw new ParameterException(spec.commandLine(), "--offices is for staff only, --programs for donors only");
            }
            char[] password = newPassword(name);
            UserFile.User user = new UserFile.User(name, role, offices, programs, false, PasswordHash.hash(password));
            Arrays.fill(password, '\0');
            users.add(user);
            save(users, "Added " + name + " (" + role.id() + ") to " + file());
            return 0;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true, description = "Set a user's password; asked for twice.")
    static final class Passwd extends Common implements Callable<Integer> {

        @Parameters(index = "0", description = "the user's name")
        String name;

        @Override
        public Integer call() {
            List<UserFile.User> users = users();
            int at = existing(users, name);
            char[] password = newPassword(name);
            users.set(at, users.get(at).withPassword(PasswordHash.hash(password)));
            Arrays.fill(password, '\0');
            save(users, "Changed the password of " + users.get(at).name()
                    + "; a running node ends their sessions within a second");
            return 0;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable a user: no more sign-ins, their sessions end.")
    static final class Disable extends Common implements Callable<Integer> {

        @Parameters(index = "0", description = "the user's name")
        String name;

        @Override
        public Integer call() {
            List<UserFile.User> users = users();
            int at = existing(users, name);
            users.set(at, users.get(at).withDisabled(true));
            save(users, "Disabled " + users.get(at).name());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the users (never their hashes).")
    static final class ListUsers extends Common implements Callable<Integer> {

        @Override
        public Integer call() {
            var out = spec.commandLine().getOut();
            for (UserFile.User user : users()) {
                List<String> scope = new ArrayList<>();
                if (!user.offices().isEmpty()) {
                    scope.add("offices " + String.join(",", user.offices()));
                }
                if (!user.programs().isEmpty()) {
                    scope.add("programs " + String.join(",", user.programs()));
                }
                out.printf(Locale.ROOT, "%-24s %-8s %-30s %s%n", user.name(), user.role().id(), String.join("; ", scope),
                        user.disabled() ? "disabled" : "");
            }
            out.flush();
            return 0;
        }
    }
}
