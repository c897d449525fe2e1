package org.tonle.host.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.tonle.core.config.PrincipalConfig;
import org.tonle.core.config.Role;

/**
 * Bearer tokens to principals. Only SHA-256 hashes are held; every candidate is compared in
 * constant time so that timing tells nothing of a hash. Tokens are never logged.
 */
public final class AccessControl {

    private record Known(byte[] hash, Caller caller) {
    }

    private volatile List<Known> known = List.of();

    public AccessControl(List<PrincipalConfig> principals, String adminToken) {
        replace(principals, adminToken);
    }

    /** Swaps in a new set of principals (access.yaml reloaded). */
    public void replace(List<PrincipalConfig> principals, String adminToken) {
        List<Known> next = new ArrayList<>();
        for (PrincipalConfig p : principals) {
            if (p.tokenSha256() == null || p.role() == null || p.name() == null) {
                throw new IllegalArgumentException("access.yaml: principal '" + p.name() + "' needs name, role and token_sha256");
            }
            next.add(new Known(HexFormat.of().parseHex(p.tokenSha256().trim().toLowerCase()),
                    new Caller(p.name(), p.role(), new HashSet<>(p.programs()), new HashSet<>(p.offices()))));
        }
        if (adminToken != null && !adminToken.isBlank()) {
            next.add(new Known(sha256(adminToken), new Caller("admin", Role.ADMIN, java.util.Set.of(), java.util.Set.of())));
        }
        known = List.copyOf(next);
    }

    /** Adds a principal by its clear token (the demo's sample principals). */
    public void add(Caller caller, String token) {
        List<Known> next = new ArrayList<>(known);
        next.add(new Known(sha256(token), caller));
        known = List.copyOf(next);
    }

    public Optional<Caller> authenticate(String token) {
        byte[] presented = sha256(token);
        Caller found = null;
        for (Known k : known) {
            if (MessageDigest.isEqual(k.hash(), presented) && found == null) {
                found = k.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256Hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }
}
