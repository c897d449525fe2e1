package org.tonle.host.api;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.StreamingOutput;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.tonle.host.http.ProblemException;
import org.tonle.host.http.TableWriters;
import org.tonle.host.service.SqlService;
import org.tonle.warehouse.analytics.SqlRefusedException;
import org.tonle.warehouse.analytics.SqlSandbox;

/** {@code POST /api/v1/sql}: one read-only query over the analytics views; JSON, CSV, Arrow or xlsx by {@code Accept}. */
@Path("/api/v1/sql")
@RolesAllowed({"admin", "analyst"})
@Consumes(MediaType.APPLICATION_JSON)
public final class SqlResource {

    public static final String ARROW = "application/vnd.apache.arrow.stream";
    private static final String ENDPOINT = "POST /api/v1/sql";

    /** The request body. */
    public record Query(@JsonProperty("sql") String sql, @JsonProperty("limit") Integer limit) {
    }

    private final SqlService sql;

    public SqlResource(SqlService sql) {
        this.sql = sql;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> json(@Context SecurityContext security, Query query) {
        SqlSandbox.Rows rows = sql.rows(ActivitiesResource.caller(security), text(query), query.limit(), ENDPOINT);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("columns", rows.columns());
        body.put("types", rows.types());
        body.put("rows", rows.rows());
        body.put("truncated", rows.truncated());
        return body;
    }

    @POST
    @Produces(IndicatorsResource.CSV)
    public Response csv(@Context SecurityContext security, Query query) {
        SqlSandbox.Rows rows = sql.rows(ActivitiesResource.caller(security), text(query), query.limit(), ENDPOINT);
        StreamingOutput body = out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            csvLine(w, rows.columns());
            for (List<Object> row : rows.rows()) {
                csvLine(w, row);
            }
            w.flush();
        };
        return Response.ok(body, IndicatorsResource.CSV + "; charset=utf-8").build();
    }

    @POST
    @Produces(TableWriters.XLSX)
    public Response xlsx(@Context SecurityContext security, Query query) {
        SqlSandbox.Rows rows = sql.rows(ActivitiesResource.caller(security), text(query), query.limit(), ENDPOINT);
        if (rows.rows().size() > TableWriters.XLSX_MAX_ROWS) {
            throw ProblemException.badRequest("the answer has " + rows.rows().size() + " rows, more than a sheet holds ("
                    + TableWriters.XLSX_MAX_ROWS + "); ask for CSV or Arrow, or a smaller limit");
        }
        // The sandbox hands dates over as text (for JSON); a sheet wants them as dates.
        List<Integer> dates = new java.util.ArrayList<>();
        for (int c = 0; c < rows.types().size(); c++) {
            if ("DATE".equalsIgnoreCase(rows.types().get(c))) {
                dates.add(c);
            }
        }
        List<List<Object>> typed = dates.isEmpty() ? rows.rows() : rows.rows().stream().map(row -> {
            List<Object> copy = new java.util.ArrayList<>(row);
            for (int c : dates) {
                if (copy.get(c) instanceof String text) {
                    try {
                        copy.set(c, java.time.LocalDate.parse(text));
                    } catch (java.time.format.DateTimeParseException e) {
                        // infinity and other dates Excel cannot show stay text
                    }
                }
            }
            return copy;
        }).toList();
        return IndicatorsResource.download(TableWriters.xlsx(rows.columns(), typed, "answer"), TableWriters.XLSX, "answer.xlsx");
    }

    @POST
    @Produces(ARROW)
    public Response arrow(@Context SecurityContext security, Query query) {
        SqlSandbox.ArrowQuery answer;
        try {
            answer = sql.arrow(ActivitiesResource.caller(security), text(query), query.limit(), ENDPOINT);
        } catch (SqlRefusedException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        StreamingOutput body = (OutputStream out) -> {
            try (answer; ArrowStreamWriter writer = new ArrowStreamWriter(answer.reader().getVectorSchemaRoot(), null, Channels.newChannel(out))) {
                writer.start();
                while (answer.next()) {
                    writer.writeBatch();
                }
                writer.end();
            } catch (SqlRefusedException e) {
                // The status is sent already; a cut stream tells the client, the log tells the admin.
                throw new IOException(e.getMessage(), e);
            }
        };
        return Response.ok(body, ARROW).build();
    }

    private static String text(Query query) {
        if (query == null || query.sql() == null || query.sql().isBlank()) {
            throw ProblemException.badRequest("send {\"sql\": \"SELECT ...\", \"limit\": 1000}; \"sql\" is missing");
        }
        return query.sql();
    }

    private static void csvLine(Writer w, List<?> values) throws IOException {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                w.write(',');
            }
            Object v = values.get(i);
            if (v != null) {
                String s = v.toString();
                boolean quote = s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
                w.write(quote ? '"' + s.replace("\"", "\"\"") + '"' : s);
            }
        }
        w.write('\n');
    }
}
