package org.tonle.host.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.junit.jupiter.api.Test;
import org.tonle.host.auth.AccessControl;
import org.tonle.host.auth.Authentication;

/**
 * Review attack on branch start (issue 22): Jersey's application is built on a thread of its
 * own (tonle-http-build) while the bundles start. A failure there (an invalid resource model)
 * must reach the start as the exception it is, never be swallowed, and no port may be bound.
 */
class HttpServerAttackTest {

    /** Two GET methods for one path and media type: Jersey refuses the model. */
    @Path("/ambiguous")
    @PermitAll
    public static final class Ambiguous {
        @GET
        @Produces(MediaType.TEXT_PLAIN)
        public String one() {
            return "1";
        }

        @GET
        @Produces(MediaType.TEXT_PLAIN)
        public String two() {
            return "2";
        }
    }

    @Test
    void aModelThatFailsToBuildOnItsOwnThreadFailsTheStartWithItsOwnException() {
        // As Node builds it: supplyAsync on a thread of its own, then joined.
        CompletableFuture<HttpServer.Application> application = CompletableFuture.supplyAsync(() -> {
            HttpServer.Application built = HttpServer.application(List.of(new Authentication(new AccessControl(List.of(), "admin")),
                    new Ambiguous()));
            built.answerInMemory("/health/live");
            return built;
        }, task -> new Thread(task, "tonle-http-build").start());
        assertThatThrownBy(application::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(RuntimeException.class);
        assertThat(application.isCompletedExceptionally()).isTrue();
    }
}
