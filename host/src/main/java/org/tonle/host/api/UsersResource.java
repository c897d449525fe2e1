package org.tonle.host.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.host.api.wire.Accounts.NewPassword;
import org.tonle.host.api.wire.Accounts.NewUser;
import org.tonle.host.api.wire.Accounts.UserChange;
import org.tonle.host.api.wire.Accounts.Users;
import org.tonle.host.auth.Accounts;
import org.tonle.host.auth.UserFile;

/** {@code /api/v1/users}: admins list, add, disable users and set their passwords (written to users.yaml). */
@Path("/api/v1/users")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public final class UsersResource {

    private final Accounts accounts;

    public UsersResource(Accounts accounts) {
        this.accounts = accounts;
    }

    @GET
    public Users list() {
        return new Users(accounts.list());
    }

    /** 201 with the user (never the hash); 409 for a name taken. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response add(NewUser body, @Context Caller caller) {
        if (body == null || body.name() == null || !UserFile.validName(body.name())) {
            throw RequestRefused.invalid("a name is 1 to 64 letters, digits, '.', '_', '@' or '-'");
        }
        UserFile.User user = new UserFile.User(body.name(), body.role(), body.offices(), body.programs(), false, null);
        return Response.status(201).entity(accounts.add(caller, user, body.password())).build();
    }

    /** Sets a user's password; their sessions end. */
    @POST
    @Path("/{name}/password")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response password(@PathParam("name") String name, NewPassword body, @Context Caller caller) {
        accounts.setPassword(caller, name, body == null ? null : body.password());
        return Response.noContent().build();
    }

    /** {@code {"disabled": true}} disables a user (their sessions end), {@code false} enables them again. */
    @POST
    @Path("/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Accounts.Summary change(@PathParam("name") String name, UserChange body, @Context Caller caller) {
        if (body == null) {
            throw RequestRefused.invalid("send {\"disabled\": true} or {\"disabled\": false}");
        }
        return accounts.setDisabled(caller, name, body.disabled());
    }
}
