package org.tonle.host.api;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.tonle.analytics.AnalystWorkers;
import org.tonle.analytics.SqlRefusedException;
import org.tonle.analytics.SqlSandbox;
import org.tonle.analytics.SqlService;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.host.api.wire.SqlAnswer;
import org.tonle.host.http.Table;
import org.tonle.host.http.TableWriters;

/** {@code POST /api/v1/sql}: one read-only query over the analytics views; JSON, CSV, Arrow or xlsx by {@code Accept}. */
@Path("/api/v1/sql")
@RolesAllowed({"admin", "analyst"})
@Consumes(MediaType.APPLICATION_JSON)
public final class SqlResource {

    public static final String ARROW = "application/vnd.apache.arrow.stream";
    private static final String ENDPOINT = "POST /api/v1/sql";
    /** Says why a CSV answer was cut (rows or bytes); absent when it was not. */
    public static final String CUT_HEADER = "Tonle-Answer-Cut";
    /** Every answer: the instant up to which the analyst snapshot it was read from holds every commit (ISO 8601). */
    public static final String AS_OF_HEADER = "Tonle-As-Of";

    /** The request body. */
    public record Query(@JsonProperty("sql") String sql, @JsonProperty("limit") Integer limit) {
    }

    private final SqlService sql;

    public SqlResource(SqlService sql) {
        this.sql = sql;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public SqlAnswer json(@Context Caller caller, Query query) {
        AnalystWorkers.Answer<SqlSandbox.Rows> answer = sql.rows(caller, text(query), query.limit(), ENDPOINT);
        SqlSandbox.Rows rows = answer.value();
        return new SqlAnswer(rows.columns(), rows.types(), rows.rows(), rows.truncated(), rows.cut(), answer.asOf().toString());
    }

    @POST
    @Produces(IndicatorsResource.CSV)
    public Response csv(@Context Caller caller, Query query) {
        AnalystWorkers.Answer<SqlSandbox.Rows> answered = sql.rows(caller, text(query), query.limit(), ENDPOINT);
        SqlSandbox.Rows rows = answered.value();
        Table table = new Table(rows.columns().stream().map(c -> new Table.Column(c, Table.Type.TEXT)).toList(), rows.rows());
        Response.ResponseBuilder answer = Response.ok(TableWriters.csv(table), IndicatorsResource.CSV + "; charset=utf-8")
                .header(AS_OF_HEADER, answered.asOf().toString());
        if (rows.cut() != null) {
            // CSV has no place for a note; clients (bin/tonle sql) print this header.
            answer.header(CUT_HEADER, rows.cut());
        }
        return answer.build();
    }

    @POST
    @Produces(TableWriters.XLSX)
    public Response xlsx(@Context Caller caller, Query query) {
        AnalystWorkers.Answer<SqlSandbox.Rows> answered = sql.rows(caller, text(query), query.limit(), ENDPOINT);
        SqlSandbox.Rows rows = answered.value();
        if (rows.rows().size() > TableWriters.XLSX_MAX_ROWS) {
            throw RequestRefused.invalid("the answer has " + rows.rows().size() + " rows, more than a sheet holds ("
                    + TableWriters.XLSX_MAX_ROWS + "); ask for CSV or Arrow, or a smaller limit");
        }
        // The sandbox hands dates over as text (for JSON); a sheet wants them as dates.
        List<Integer> dates = new ArrayList<>();
        for (int c = 0; c < rows.types().size(); c++) {
            if ("DATE".equalsIgnoreCase(rows.types().get(c))) {
                dates.add(c);
            }
        }
        List<List<Object>> typed = dates.isEmpty() ? rows.rows() : rows.rows().stream().map(row -> {
            List<Object> copy = new ArrayList<>(row);
            for (int c : dates) {
                if (copy.get(c) instanceof String text) {
                    try {
                        copy.set(c, LocalDate.parse(text));
                    } catch (DateTimeParseException e) {
                        // infinity and other dates Excel cannot show stay text
                    }
                }
            }
            return copy;
        }).toList();
        return Response.fromResponse(IndicatorsResource.download(TableWriters.xlsx(rows.columns(), typed, "answer"), TableWriters.XLSX,
                "answer.xlsx")).header(AS_OF_HEADER, answered.asOf().toString()).build();
    }

    @POST
    @Produces(ARROW)
    public Response arrow(@Context Caller caller, Query query) {
        AnalystWorkers.Answer<byte[]> answer;
        try {
            answer = sql.arrowAnswer(caller, text(query), query.limit(), ENDPOINT);
        } catch (SqlRefusedException e) {
            throw new RequestRefused(RequestRefused.Reason.INVALID, e.getMessage(), e.rule());
        }
        return Response.ok(answer.value(), ARROW).header(AS_OF_HEADER, answer.asOf().toString()).build();
    }

    private static String text(Query query) {
        if (query == null || query.sql() == null || query.sql().isBlank()) {
            throw RequestRefused.invalid("send {\"sql\": \"SELECT ...\", \"limit\": 1000}; \"sql\" is missing");
        }
        return query.sql();
    }
}
