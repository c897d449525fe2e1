package org.tonle.host.auth;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import org.tonle.core.config.ConfigException;
import org.tonle.core.config.Role;
import org.tonle.pipelines.OwnerOnly;

/**
 * {@code <config>/users.yaml}: the people who sign in with a name and password (DESIGN.md
 * section 9.4). Each holds only an Argon2id hash of the password ({@link PasswordHash}). The
 * file is written whole to a new owner-only file beside it, then moved over it atomically, so a
 * reader (the node reloading it) sees the old file or the new one, never half of one.
 */
public final class UserFile {

    public static final String NAME = "users.yaml";
    private static final String HEADER = """
            # People who sign in with a name and password (docs/ACCESS.md). Edit with
            #   bin/tonle user add NAME --role ROLE [--offices PNH] [--programs a,b]
            #   bin/tonle user passwd NAME | user disable NAME | user list
            # Only an Argon2id hash of each password is kept. A running node reloads this file
            # within a second of a change.
            """;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.NON_EMPTY);

    /** A person's account. */
    public record User(String name, Role role, List<String> offices, List<String> programs, boolean disabled,
                       @JsonProperty("password_argon2id") String passwordHash) {

        public User {
            offices = offices == null ? List.of() : List.copyOf(offices);
            programs = programs == null ? List.of() : List.copyOf(programs);
        }

        public User withPassword(String hash) {
            return new User(name, role, offices, programs, disabled, hash);
        }

        public User withDisabled(boolean disabled) {
            return new User(name, role, offices, programs, disabled, passwordHash);
        }
    }

    private record Contents(List<User> users) {
        Contents {
            users = users == null ? List.of() : users;
        }
    }

    private UserFile() {
    }

    public static Path in(Path configDirectory) {
        return configDirectory.resolve(NAME);
    }

    /**
     * The users of {@code file} (none when it does not exist), checked: a file that cannot be
     * used throws {@link ConfigException} naming the file and the line.
     */
    public static List<User> read(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        Contents contents;
        try {
            contents = text.isBlank() ? null : YAML.readValue(text, Contents.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException(at(file, e) + e.getOriginalMessage().lines().findFirst().orElse("cannot be parsed"));
        }
        List<User> users = contents == null ? List.of() : contents.users();
        Set<String> names = new HashSet<>();
        for (User user : users) {
            String where = file + ", line " + lineOf(text, user.name()) + ": user '" + user.name() + "': ";
            String problem = problem(user);
            if (problem != null) {
                throw new ConfigException(where + problem);
            }
            if (!names.add(user.name().toLowerCase(Locale.ROOT))) {
                throw new ConfigException(where + "a second user of that name (names are compared ignoring case)");
            }
        }
        return List.copyOf(users);
    }

    /** What is wrong with a user, or null. */
    static String problem(User user) {
        if (user.name() == null || !validName(user.name())) {
            return "a name is 1 to 64 letters, digits, '.', '_', '@' or '-'";
        }
        if (user.role() == null) {
            return "needs a role (admin, staff, analyst or donor)";
        }
        if (!PasswordHash.wellFormed(user.passwordHash())) {
            return "password_argon2id must be an Argon2id hash ($argon2id$v=19$...); set it with bin/tonle user passwd";
        }
        if (user.role() != Role.STAFF && !user.offices().isEmpty()) {
            return "offices are for staff only";
        }
        if (user.role() != Role.DONOR && !user.programs().isEmpty()) {
            return "programs are for donors only";
        }
        return null;
    }

    public static boolean validName(String name) {
        return name != null && name.matches("[A-Za-z0-9._@-]{1,64}");
    }

    /** Writes {@code users} to {@code file} atomically (a new owner-only file moved over the old one). */
    public static void write(Path file, List<User> users) {
        Path absolute = file.toAbsolutePath();
        Path temporary = absolute.resolveSibling("." + NAME + "." + UUID.randomUUID() + ".tmp");
        try {
            OwnerOnly.createDirectories(absolute.getParent());
            try (OutputStream out = OwnerOnly.newFile(temporary)) {
                out.write(HEADER.getBytes(StandardCharsets.UTF_8));
                YAML.writeValue(out, new Contents(users));
            }
            Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // the write failed already; that is what the caller hears about
            }
            throw new UncheckedIOException("cannot write " + absolute + ": " + e.getMessage(), e);
        }
    }

    static String at(Path file, JsonProcessingException e) {
        return file + (e.getLocation() == null ? "" : ", line " + e.getLocation().getLineNr()) + ": ";
    }

    /** The line where a user's entry names them (1-based), or 0 when it cannot be told. */
    private static int lineOf(String text, String name) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.startsWith("- ")) {
                line = line.substring(2).trim();
            }
            if (name != null && line.matches("name:\\s*['\"]?" + Pattern.quote(name) + "['\"]?\\s*(#.*)?")) {
                return i + 1;
            }
        }
        return 0;
    }
}
