package org.tonle.host.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.host.service.BackupService;
import org.tonle.warehouse.backup.BackupException;
import org.tonle.warehouse.backup.Secret;

/**
 * {@code POST /api/v1/backup}: an online, consistent backup streamed as one OpenPGP message.
 * Body {@code {"passphrase": "..."}} (what {@code bin/tonle backup} sends from
 * {@code TONLE_BACKUP_PASSPHRASE}); without it the node seals for its configured recipient key.
 */
@Path("/api/v1/backup")
@RolesAllowed("admin")
public final class BackupResource {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BackupService backups;
    private final Supplier<Secret> configured;

    /** @param configured the secret of {@code backup.recipient}, or null when none is configured */
    public BackupResource(BackupService backups, Supplier<Secret> configured) {
        this.backups = backups;
        this.configured = configured;
    }

    @POST
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response backup(@Context Caller caller, InputStream body) throws IOException {
        Secret secret = secret(body == null ? "" : new String(body.readNBytes(64 * 1024), StandardCharsets.UTF_8));
        BackupService.Job job = backups.start(secret, caller.name());
        StreamingOutput stream = out -> {
            // Past this point the status line is sent: a failure cuts the stream short, which
            // the OpenPGP integrity check (and bin/tonle backup) reports as an incomplete file.
            job.writeTo(out);
            out.flush();
        };
        try {
            return Response.ok(stream).header("Content-Disposition",
                    "attachment; filename=\"tonle-backup-" + LocalDate.now() + ".pgp\"").build();
        } catch (RuntimeException e) {
            job.abandon();
            throw e;
        }
    }

    private Secret secret(String body) {
        String passphrase = null;
        if (!body.isBlank()) {
            try {
                JsonNode tree = JSON.readTree(body);
                passphrase = tree.path("passphrase").isTextual() ? tree.path("passphrase").asText() : null;
            } catch (IOException e) {
                throw RequestRefused.invalid("the body must be JSON: {\"passphrase\": \"...\"} or nothing");
            }
        }
        try {
            if (passphrase != null) {
                return Secret.passphrase(passphrase);
            }
            Secret recipient = configured.get();
            if (recipient == null) {
                throw RequestRefused.invalid("send {\"passphrase\": \"...\"} (bin/tonle backup reads TONLE_BACKUP_PASSPHRASE),"
                        + " or configure backup.recipient in tonle.yaml");
            }
            return recipient;
        } catch (BackupException e) {
            throw RequestRefused.invalid(e.getMessage());
        }
    }
}
