package org.tonle.host.auth;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.access.Caller;
import org.tonle.core.access.TokenDigest;
import org.tonle.core.config.FileStamp;
import org.tonle.core.config.PrincipalConfig;
import org.tonle.core.config.Role;

/**
 * Bearer tokens to principals. Only SHA-256 hashes are held; every candidate is compared in
 * constant time so that timing tells nothing of a hash. Tokens are never logged.
 *
 * <p>When built with {@link #watching}, access.yaml is read again when its modification time
 * or size changes, checked at most once a second on the request path (a cheap stat), so a
 * principal added or revoked takes effect without a restart. A file that no longer parses is
 * logged and the previous principals stay in force.
 */
public final class AccessControl {

    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
    private static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;

    private record Known(byte[] hash, Caller caller) {
    }

    private volatile List<Known> known = List.of();
    private volatile List<Known> added = List.of();
    private final String adminToken;
    private final Path file;
    private final Supplier<List<PrincipalConfig>> reader;
    private volatile long lastCheck = System.nanoTime();
    private volatile String lastStamp;
    private volatile String reloadError;

    public AccessControl(List<PrincipalConfig> principals, String adminToken) {
        this(principals, adminToken, null, null);
    }

    private AccessControl(List<PrincipalConfig> principals, String adminToken, Path file, Supplier<List<PrincipalConfig>> reader) {
        this.adminToken = adminToken;
        this.file = file;
        this.reader = reader;
        this.lastStamp = stamp();
        replace(principals, adminToken);
    }

    /** Principals from access.yaml, read again by {@code reader} whenever {@code file} changes. */
    public static AccessControl watching(Path file, List<PrincipalConfig> principals, String adminToken,
                                         Supplier<List<PrincipalConfig>> reader) {
        return new AccessControl(principals, adminToken, file, reader);
    }

    /** Swaps in a new set of principals (access.yaml reloaded). */
    public void replace(List<PrincipalConfig> principals, String adminToken) {
        List<Known> next = new ArrayList<>();
        for (PrincipalConfig p : principals) {
            if (p.tokenSha256() == null || p.role() == null || p.name() == null) {
                throw new IllegalArgumentException("access.yaml: principal '" + p.name() + "' needs name, role and token_sha256");
            }
            String hex = p.tokenSha256().trim().toLowerCase();
            if (!hex.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("access.yaml: principal '" + p.name()
                        + "': token_sha256 must be 64 hex digits (bin/tonle token prints it)");
            }
            if (p.role() == Role.DONOR && p.programs().isEmpty()) {
                LOG.warn("access.yaml: donor '{}' names no programs and will see no figures", p.name());
            }
            next.add(new Known(HexFormat.of().parseHex(hex),
                    new Caller(p.name(), p.role(), new HashSet<>(p.programs()), new HashSet<>(p.offices()))));
        }
        if (adminToken != null && !adminToken.isBlank()) {
            next.add(new Known(sha256(adminToken), new Caller("admin", Role.ADMIN, Set.of(), Set.of())));
        }
        refuseDuplicates(next, added);
        known = List.copyOf(next);
    }

    /** Adds a principal by its clear token (the demo's sample principals); kept across reloads. */
    public void add(Caller caller, String token) {
        List<Known> next = new ArrayList<>(added);
        next.add(new Known(sha256(token), caller));
        refuseDuplicates(known, next);
        added = List.copyOf(next);
    }

    /**
     * Fails closed on two principals with one name or one token: the audit log, Flight SQL's
     * sessions and every decision name a principal, and a shared token makes whose call it was
     * a matter of list order. A name is compared case-insensitively; the admin token of the
     * environment is the principal {@code admin}.
     */
    private static void refuseDuplicates(List<Known> first, List<Known> second) {
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (List<Known> list : List.of(first, second)) {
            for (Known k : list) {
                if (!names.add(k.caller().name().toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("access.yaml: two principals are named '" + k.caller().name()
                            + "'; every principal needs a name of its own (the admin token is the principal 'admin')");
                }
                if (!hashes.add(HexFormat.of().formatHex(k.hash()))) {
                    throw new IllegalArgumentException("access.yaml: principal '" + k.caller().name()
                            + "' has the same token as another principal; give each its own (bin/tonle token)");
                }
            }
        }
    }

    public Optional<Caller> authenticate(String token) {
        reloadIfChanged();
        byte[] presented = sha256(token);
        Caller found = null;
        // Compare with every hash, without stopping at a match, so the time taken does not depend on it.
        for (List<Known> list : List.of(known, added)) {
            for (Known k : list) {
                if (MessageDigest.isEqual(k.hash(), presented) && found == null) {
                    found = k.caller();
                }
            }
        }
        return Optional.ofNullable(found);
    }

    /** Reads access.yaml again if it changed since the last look (at most one look a second). */
    public void reloadIfChanged() {
        if (file == null || System.nanoTime() - lastCheck < CHECK_INTERVAL_NANOS) {
            return;
        }
        reloadNow();
    }

    /** Looks at access.yaml now and reloads it if it changed; whether it was reloaded. */
    public synchronized boolean reloadNow() {
        lastCheck = System.nanoTime();
        String stamp = stamp();
        if (file == null || stamp.equals(lastStamp)) {
            return false;
        }
        try {
            replace(reader.get(), adminToken);
            lastStamp = stamp;
            reloadError = null;
            LOG.info("Reloaded {}: {} principals", file, known.size());
            return true;
        } catch (RuntimeException e) {
            lastStamp = stamp; // do not retry a broken file every second; the next edit retries
            reloadError = e.getMessage();
            LOG.error("{} was changed but cannot be used: {}. The principals loaded before stay in force until it is fixed",
                    file, e.getMessage());
            return false;
        }
    }

    /** For {@code GET /api/v1/status}: the file, its principals and, when its last change could not be used, why. */
    public Map<String, Object> status() {
        reloadIfChanged();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("file", String.valueOf(file));
        status.put("principals", known.size() + added.size());
        if (reloadError != null) {
            status.put("error", reloadError + " (the principals loaded before stay in force)");
        }
        return status;
    }

    private String stamp() {
        return file == null ? "" : FileStamp.of(file);
    }

    public static byte[] sha256(String token) {
        return TokenDigest.sha256(token);
    }

    public static String sha256Hex(String token) {
        return TokenDigest.hex(token);
    }
}
