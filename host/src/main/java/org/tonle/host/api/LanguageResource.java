package org.tonle.host.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.host.api.wire.LanguageChoice;
import org.tonle.host.service.LanguageService;

/** {@code /api/v1/me/language}: the signed-in principal's language for the pages ({@code en} or {@code km}). */
@Path("/api/v1/me/language")
@Produces(MediaType.APPLICATION_JSON)
public final class LanguageResource {

    private final LanguageService languages;

    public LanguageResource(LanguageService languages) {
        this.languages = languages;
    }

    @GET
    public LanguageChoice get(@Context Caller caller) {
        return new LanguageChoice(languages.of(caller).orElse(null));
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    public LanguageChoice put(@Context Caller caller, LanguageChoice body) {
        if (body == null) {
            throw RequestRefused.invalid("send {\"language\": \"km\"} (or \"en\")");
        }
        return new LanguageChoice(languages.choose(caller, body.language()));
    }
}
