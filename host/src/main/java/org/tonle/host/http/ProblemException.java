package org.tonle.host.http;

import jakarta.ws.rs.core.Response;

/** Thrown by services to answer with a problem document; the detail is shown to the caller. */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String title;

    public ProblemException(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, "Bad request", detail);
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(403, "Forbidden", detail);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "Not found", detail);
    }

    public Response response() {
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(Problem.of(status, title, getMessage())).build();
    }
}
