package org.tonle.host.auth;

import java.util.function.Supplier;

import jakarta.inject.Inject;
import jakarta.inject.Provider;

import org.glassfish.jersey.inject.hk2.AbstractBinder;
import org.glassfish.jersey.process.internal.RequestScoped;
import org.glassfish.jersey.server.ContainerRequest;

import org.tonle.core.access.Caller;

/**
 * Lets a resource method take the authenticated {@link Caller} as {@code @Context Caller caller}:
 * the principal that {@link BearerAuthFilter} put in the request's security context, looked up
 * once per request. Resources then need no cast and no helper of another resource.
 */
public final class CallerInjection extends AbstractBinder {

    @Override
    protected void configure() {
        bindFactory(FromSecurityContext.class).to(Caller.class).proxy(false).in(RequestScoped.class);
    }

    static final class FromSecurityContext implements Supplier<Caller> {

        private final Provider<ContainerRequest> request;

        @Inject
        FromSecurityContext(Provider<ContainerRequest> request) {
            this.request = request;
        }

        /** {@code null} on the few routes that need no token (health, pages), which take no caller. */
        @Override
        public Caller get() {
            return request.get().getSecurityContext().getUserPrincipal() instanceof Caller caller ? caller : null;
        }
    }
}
