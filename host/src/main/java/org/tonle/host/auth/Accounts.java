package org.tonle.host.auth;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.Json;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.access.TokenDigest;
import org.tonle.core.config.ConfigException;
import org.tonle.core.config.FileStamp;
import org.tonle.warehouse.AuditLog;

/**
 * People's accounts (DESIGN.md section 9.4): the users of users.yaml, their sign-in sessions and
 * the lock-out after failed sign-ins.
 *
 * <p><b>Sessions</b> are held in memory only: a restart signs everyone out. A session id is 256
 * random bits; the map is keyed by its SHA-256, so not even the node's heap holds a usable id
 * beside the cookie being answered. A session ends after {@code idle} without a request, at
 * sign-out, and when its user is disabled or removed (each request looks the user up again, so
 * a role changed in users.yaml applies at once). Ids are never logged or audited.
 *
 * <p><b>Lock-out</b>: after {@link #MAX_FAILURES} failed sign-ins for one name within
 * {@link #WINDOW}, every sign-in for that name is 429 until the oldest of them leaves the window.
 * The same 401 answers an unknown name and a wrong password, and an unknown name is hashed
 * against a dummy so that it takes as long.
 *
 * <p><b>users.yaml</b> is reloaded like access.yaml (a stat at most once a second on the request
 * path); a file that no longer parses keeps the users last loaded, and says so in the log and in
 * {@code GET /api/v1/status}. Changes made by the node are written atomically.
 */
public final class Accounts {

    private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);
    public static final int MAX_FAILURES = 5;
    public static final Duration WINDOW = Duration.ofMinutes(15);
    private static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SESSION = "/api/v1/session";
    /** The audit log's principal and role for a sign-in under a name nobody has. */
    static final String UNKNOWN = "(unknown name)";
    static final String NO_ROLE = "none";

    /** A signed-in session: its id goes to the cookie, the csrf token to the page. */
    public record SignedIn(String sessionId, Caller caller, String csrf) {
    }

    /** An authenticated session: the caller as users.yaml now says, and the csrf token unsafe requests must echo. */
    public record Authenticated(Caller caller, String csrf) {
    }

    /** What a user is, without the hash (for GET /api/v1/users and user list). */
    public record Summary(String name, String role, List<String> offices, List<String> programs, boolean disabled) {
        static Summary of(UserFile.User user) {
            return new Summary(user.name(), user.role().id(), user.offices(), user.programs(), user.disabled());
        }
    }

    private static final class Stored {
        final String name;
        final String csrf;
        volatile Instant lastSeen;

        Stored(String name, String csrf, Instant lastSeen) {
            this.name = name;
            this.csrf = csrf;
            this.lastSeen = lastSeen;
        }
    }

    private final Path file;
    private final AuditLog audit;
    private final Duration idle;
    private volatile Clock clock = Clock.systemUTC();
    private volatile Map<String, UserFile.User> users;
    private final Map<String, Stored> sessions = new ConcurrentHashMap<>();
    private final Map<String, Deque<Instant>> failures = new HashMap<>();
    private volatile long lastCheck = System.nanoTime();
    private volatile String lastStamp;
    private volatile String reloadError;

    /** Reads {@code file} (users.yaml) now: a file that cannot be used fails the start. */
    public Accounts(Path file, AuditLog audit, Duration idle) {
        this.file = file;
        this.audit = audit;
        this.idle = idle;
        this.lastStamp = stamp();
        this.users = index(UserFile.read(file));
    }

    /** Replaces the clock that times sessions and lock-outs (tests). */
    public void useClock(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
    }

    // ---- sign-in, sessions, sign-out

    /** Signs in, or throws: 401 for an unknown name or a wrong password alike, 429 while the name is locked out. */
    public SignedIn signIn(String name, char[] password) {
        reloadIfChanged();
        Instant now = clock.instant();
        sweep(now);
        String key = name == null ? "" : name.toLowerCase(Locale.ROOT);
        UserFile.User user = users.get(key);
        // A name nobody has is not written down: people type their password into the name field.
        String role = user == null ? NO_ROLE : user.role().id();
        String principal = user == null ? UNKNOWN : user.name();
        Instant lockedUntil = lockedUntil(key, now);
        if (lockedUntil != null) {
            audit.record(principal, role, "sign-in-locked", "POST " + SESSION, "{}", null);
            throw new SignInRefused(true, Duration.between(now, lockedUntil));
        }
        boolean ok;
        if (user == null || user.disabled() || password == null || password.length > PasswordHash.MAX_PASSWORD_CHARS) {
            ok = PasswordHash.verifyDummy(password == null ? new char[0] : password);
        } else {
            ok = PasswordHash.verify(password, user.passwordHash());
        }
        if (!ok) {
            int count = fail(key, now);
            audit.record(principal, role, "sign-in-failed", "POST " + SESSION,
                    Json.write(Map.of("known", user != null, "failures_in_window", count)), null);
            if (count >= MAX_FAILURES) {
                audit.record(principal, role, "lock-out", "POST " + SESSION,
                        Json.write(Map.of("until", lockedUntil(key, now).toString())), null);
                LOG.warn("Sign-in for a name locked out for {} minutes after {} failures", WINDOW.toMinutes(), count);
            }
            throw new SignInRefused(false, null);
        }
        synchronized (failures) {
            failures.remove(key);
        }
        String id = random();
        String csrf = random();
        sessions.put(digest(id), new Stored(user.name(), csrf, now));
        audit.record(user.name(), role, "sign-in", "POST " + SESSION, "{}", null);
        return new SignedIn(id, caller(user), csrf);
    }

    /**
     * Signs in a person whose identity the organisation's OpenID Connect provider vouched for
     * ({@link OidcSignIn}): no password and no lock-out, but only as an enabled user of
     * users.yaml named {@code name}, with that user's role and offices. Refused (401, audited
     * with {@code detail} and the name the provider gave) otherwise.
     */
    public SignedIn signInVerified(String name, String route, Map<String, Object> detail) {
        reloadIfChanged();
        Instant now = clock.instant();
        sweep(now);
        UserFile.User user = name == null ? null : users.get(name.toLowerCase(Locale.ROOT));
        if (user == null || user.disabled()) {
            Map<String, Object> why = new LinkedHashMap<>(detail);
            why.put("known", user != null);
            why.put("disabled", user != null && user.disabled());
            why.put("name", String.valueOf(name));
            audit.record(user == null ? UNKNOWN : user.name(), user == null ? NO_ROLE : user.role().id(), "sign-in-failed", route,
                    Json.write(why), null);
            throw new SignInRefused(false, null);
        }
        String id = random();
        String csrf = random();
        sessions.put(digest(id), new Stored(user.name(), csrf, now));
        audit.record(user.name(), user.role().id(), "sign-in", route, Json.write(detail), null);
        return new SignedIn(id, caller(user), csrf);
    }

    /** The session's caller, if the session is live; a request counts as activity. */
    public Optional<Authenticated> authenticate(String sessionId) {
        if (sessionId == null || sessionId.isEmpty() || sessionId.length() > 100) {
            return Optional.empty();
        }
        reloadIfChanged();
        String key = digest(sessionId);
        Stored stored = sessions.get(key);
        if (stored == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        UserFile.User user = users.get(stored.name.toLowerCase(Locale.ROOT));
        if (expired(stored, now) || user == null || user.disabled()) {
            sessions.remove(key);
            return Optional.empty();
        }
        stored.lastSeen = now;
        return Optional.of(new Authenticated(caller(user), stored.csrf));
    }

    /** Ends a session (sign-out). */
    public void signOut(String sessionId, Caller caller) {
        if (sessionId != null && sessions.remove(digest(sessionId)) != null) {
            audit.record(caller.name(), caller.role().id(), "sign-out", "DELETE " + SESSION, "{}", null);
        }
    }

    /** The number of live sessions (status). */
    public int liveSessions() {
        sweep(clock.instant());
        return sessions.size();
    }

    // ---- users

    public List<Summary> list() {
        reloadIfChanged();
        return users.values().stream().map(Summary::of).toList();
    }

    /** A signed-in user changes their own password: needs the current one. */
    public void changeOwnPassword(Caller caller, String sessionId, char[] current, char[] next) {
        UserFile.User user = users.get(caller.name().toLowerCase(Locale.ROOT));
        if (user == null) {
            throw RequestRefused.notPermitted("only a person who signs in with a password can change it; "
                    + "'" + caller.name() + "' is a bearer token's principal");
        }
        if (current == null || current.length > PasswordHash.MAX_PASSWORD_CHARS || !PasswordHash.verify(current, user.passwordHash())) {
            audit.record(user.name(), user.role().id(), "password-change-failed", "POST " + SESSION + "/password", "{}", null);
            throw RequestRefused.notPermitted("the current password is not right");
        }
        checkPassword(next);
        update(user.name(), u -> u.withPassword(PasswordHash.hash(next)));
        endOtherSessions(user.name(), sessionId);
        audit.record(user.name(), user.role().id(), "password-change", "POST " + SESSION + "/password", "{}", null);
    }

    /** An admin adds a user. */
    public Summary add(Caller admin, UserFile.User user, char[] password) {
        checkPassword(password);
        UserFile.User hashed = user.withPassword(PasswordHash.hash(password));
        String problem = UserFile.problem(hashed);
        if (problem != null) {
            throw RequestRefused.invalid(problem);
        }
        synchronized (this) {
            reloadNow();
            if (users.containsKey(user.name().toLowerCase(Locale.ROOT))) {
                throw RequestRefused.conflict("there is already a user named '" + user.name() + "'");
            }
            List<UserFile.User> next = new ArrayList<>(users.values());
            next.add(hashed);
            save(next);
        }
        audit.record(admin.name(), admin.role().id(), "user-add", "POST /api/v1/users",
                Json.write(Map.of("user", user.name(), "role", user.role().id())), null);
        return Summary.of(hashed);
    }

    /** An admin sets another user's password; that user's sessions end. */
    public void setPassword(Caller admin, String name, char[] password) {
        checkPassword(password);
        UserFile.User user = update(name, u -> u.withPassword(PasswordHash.hash(password)));
        endOtherSessions(user.name(), null);
        audit.record(admin.name(), admin.role().id(), "user-password", "POST /api/v1/users/{name}/password",
                Json.write(Map.of("user", user.name())), null);
    }

    /** An admin disables (or enables) a user; a disabled user's sessions end at once. */
    public Summary setDisabled(Caller admin, String name, boolean disabled) {
        UserFile.User user = update(name, u -> u.withDisabled(disabled));
        if (disabled) {
            endOtherSessions(user.name(), null);
        }
        audit.record(admin.name(), admin.role().id(), disabled ? "user-disable" : "user-enable", "POST /api/v1/users/{name}",
                Json.write(Map.of("user", user.name())), null);
        return Summary.of(user);
    }

    public static void checkPassword(char[] password) {
        if (password == null || password.length < PasswordHash.MIN_PASSWORD_CHARS) {
            throw RequestRefused.invalid("a password needs at least " + PasswordHash.MIN_PASSWORD_CHARS + " characters");
        }
        if (password.length > PasswordHash.MAX_PASSWORD_CHARS) {
            throw RequestRefused.invalid("a password has at most " + PasswordHash.MAX_PASSWORD_CHARS + " characters");
        }
    }

    private synchronized UserFile.User update(String name, UnaryOperator<UserFile.User> change) {
        reloadNow();
        UserFile.User found = name == null ? null : users.get(name.toLowerCase(Locale.ROOT));
        if (found == null) {
            throw RequestRefused.notFound("there is no user named '" + name + "'");
        }
        UserFile.User changed = change.apply(found);
        List<UserFile.User> next = users.values().stream().map(u -> u == found ? changed : u).toList();
        save(next);
        return changed;
    }

    private void save(List<UserFile.User> next) {
        UserFile.write(file, next);
        users = index(next);
        lastStamp = stamp();
        reloadError = null;
    }

    private void endOtherSessions(String name, String keepSessionId) {
        String keep = keepSessionId == null ? null : digest(keepSessionId);
        sessions.entrySet().removeIf(e -> e.getValue().name.equalsIgnoreCase(name) && !e.getKey().equals(keep));
    }

    // ---- reload

    /** Reads users.yaml again if it changed since the last look (at most one look a second). */
    public void reloadIfChanged() {
        if (System.nanoTime() - lastCheck < CHECK_INTERVAL_NANOS) {
            return;
        }
        reloadNow();
    }

    /** Looks at users.yaml now and reloads it if it changed; whether it was reloaded. */
    public synchronized boolean reloadNow() {
        lastCheck = System.nanoTime();
        String stamp = stamp();
        if (stamp.equals(lastStamp)) {
            return false;
        }
        lastStamp = stamp; // a broken file is not retried every second; the next edit retries
        try {
            Map<String, UserFile.User> next = index(UserFile.read(file));
            Map<String, UserFile.User> before = users;
            users = next;
            reloadError = null;
            LOG.info("Reloaded {}: {} users", file, next.size());
            auditChanges(before, next);
            return true;
        } catch (ConfigException | IllegalArgumentException e) {
            reloadError = e.getMessage();
            LOG.error("{} was changed but cannot be used: {}. The users loaded before stay in force until it is fixed",
                    file, e.getMessage());
            return false;
        }
    }

    /** For {@code GET /api/v1/status}: the file, its users and, when its last change could not be used, why. */
    public Map<String, Object> status() {
        reloadIfChanged();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("file", file.toString());
        status.put("users", users.size());
        status.put("sessions", liveSessions());
        if (reloadError != null) {
            status.put("error", reloadError + " (the users loaded before stay in force)");
        }
        return status;
    }

    /** Users changed by an edit of the file (bin/tonle user, or by hand) are audited as changed by the file. */
    private void auditChanges(Map<String, UserFile.User> before, Map<String, UserFile.User> after) {
        HashSet<String> names = new HashSet<>(before.keySet());
        names.addAll(after.keySet());
        for (String key : names) {
            UserFile.User was = before.get(key);
            UserFile.User is = after.get(key);
            String action;
            if (was == null) {
                action = "user-add";
            } else if (is == null) {
                action = "user-remove";
            } else if (!was.passwordHash().equals(is.passwordHash())) {
                action = "user-password";
            } else if (!was.equals(is)) {
                action = is.disabled() && !was.disabled() ? "user-disable" : "user-change";
            } else {
                continue;
            }
            UserFile.User named = is == null ? was : is;
            audit.record(UserFile.NAME, "config", action, "reload " + UserFile.NAME,
                    Json.write(Map.of("user", named.name(), "role", named.role().id())), null);
            if (is == null || is.disabled() || action.equals("user-password")) {
                endOtherSessions(named.name(), null);
            }
        }
    }

    // ---- helpers

    private static Map<String, UserFile.User> index(List<UserFile.User> list) {
        Map<String, UserFile.User> map = new LinkedHashMap<>();
        list.forEach(u -> map.put(u.name().toLowerCase(Locale.ROOT), u));
        return Collections.unmodifiableMap(map);
    }

    private static Caller caller(UserFile.User user) {
        return new Caller(user.name(), user.role(), new HashSet<>(user.programs()), new HashSet<>(user.offices()));
    }

    private boolean expired(Stored stored, Instant now) {
        return stored.lastSeen.plus(idle).isBefore(now);
    }

    private void sweep(Instant now) {
        sessions.values().removeIf(s -> expired(s, now));
    }

    private int fail(String key, Instant now) {
        synchronized (failures) {
            failures.values().forEach(times -> prune(times, now));
            failures.values().removeIf(Deque::isEmpty);
            Deque<Instant> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
            times.addLast(now);
            return times.size();
        }
    }

    private Instant lockedUntil(String key, Instant now) {
        synchronized (failures) {
            Deque<Instant> times = failures.get(key);
            if (times == null) {
                return null;
            }
            prune(times, now);
            return times.size() >= MAX_FAILURES ? times.peekFirst().plus(WINDOW) : null;
        }
    }

    private static void prune(Deque<Instant> times, Instant now) {
        while (!times.isEmpty() && !times.peekFirst().plus(WINDOW).isAfter(now)) {
            times.removeFirst();
        }
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String digest(String sessionId) {
        return TokenDigest.hex(sessionId);
    }

    /** Compares a presented csrf token with the session's in constant time. */
    public static boolean sameToken(String expected, String presented) {
        return presented != null && MessageDigest.isEqual(TokenDigest.sha256(expected), TokenDigest.sha256(presented));
    }

    private String stamp() {
        return FileStamp.of(file);
    }

    /** A refused sign-in: 401 (unknown name or wrong password, one answer) or 429 (locked out, with how long). */
    public static final class SignInRefused extends RuntimeException {
        private final boolean locked;
        private final Duration retryAfter;

        SignInRefused(boolean locked, Duration retryAfter) {
            super(locked ? "too many failed sign-ins for this name; try again later" : "the name or the password is not right",
                    null, false, false);
            this.locked = locked;
            this.retryAfter = retryAfter;
        }

        public boolean locked() {
            return locked;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }
}
