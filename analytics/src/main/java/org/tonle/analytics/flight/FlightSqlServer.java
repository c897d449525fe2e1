package org.tonle.analytics.flight;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;

import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.AuthUtilities;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import org.apache.arrow.flight.sql.NoOpFlightSqlProducer;
import org.apache.arrow.flight.sql.SqlInfoBuilder;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.analytics.AnalystWorkers;
import org.tonle.analytics.SqlRefusedException;
import org.tonle.analytics.SqlSandbox;
import org.tonle.analytics.SqlService;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.access.TokenDigest;

/**
 * Arrow Flight SQL for analysts' own tools (DBeaver, Python ADBC, the Flight SQL JDBC driver):
 * the same bearer tokens as the HTTP API and the same sandbox, row cap and audit as
 * {@code POST /api/v1/sql}, through {@link SqlService}. Statements and prepared statements
 * take no parameters; nothing but queries is served.
 */
public final class FlightSqlServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FlightSqlServer.class);
    private static final String ENDPOINT = "flight-sql";
    private static final String SCHEMA = "main";
    /** Rows a Flight SQL answer may carry; tools page through the views with LIMIT. */
    public static final int ROW_CAP = 100_000;

    private final FlightServer server;

    private FlightSqlServer(FlightServer server) {
        this.server = server;
    }

    /** Who a bearer token belongs to, if anyone: the node's access control. */
    @FunctionalInterface
    public interface Tokens {
        Optional<Caller> authenticate(String token);
    }

    /**
     * The node's TLS key for Flight SQL (the same as HTTPS), PEM.
     *
     * @param certificateChain the certificate chain, PEM
     * @param privateKey       the private key, PKCS#8 PEM
     */
    public record Tls(byte[] certificateChain, byte[] privateKey) {
    }

    public static FlightSqlServer start(String host, int port, Tokens access, SqlService sql) {
        return start(host, port, access, sql, null);
    }

    /** @param tls the key to serve TLS with (grpc+tls), or null for plain gRPC */
    public static FlightSqlServer start(String host, int port, Tokens access, SqlService sql, Tls tls) {
        Map<String, Caller> callers = new ConcurrentHashMap<>();
        CallHeaderAuthenticator bearer = headers -> authenticate(headers, access, callers, sql);
        Location location = tls == null ? Location.forGrpcInsecure(host, port) : Location.forGrpcTls(host, port);
        FlightServer.Builder builder = FlightServer.builder(sql.allocator(), location, new Producer(sql, callers))
                .headerAuthenticator(bearer)
                .middleware(AUDIT, (info, headers, context) -> new Audited(sql, info.method().name(), known(headers, access)));
        if (tls != null) {
            try {
                builder.useTls(new ByteArrayInputStream(tls.certificateChain()), new ByteArrayInputStream(tls.privateKey()));
            } catch (IOException e) {
                throw new IllegalStateException("cannot use the TLS key for Arrow Flight SQL: " + e.getMessage(), e);
            }
        }
        FlightServer server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Arrow Flight SQL on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        LOG.info("Arrow Flight SQL serves at {}://{}:{}", tls == null ? "grpc" : "grpc+tls", host, server.getPort());
        return new FlightSqlServer(server);
    }

    public int port() {
        return server.getPort();
    }

    /**
     * Who a call comes from, by principal id: the SHA-256 of its token, which access.yaml holds
     * once (AccessControl refuses duplicate tokens and names). Never by name: two principals of
     * one name would otherwise share a session's statements and rights.
     */
    private static CallHeaderAuthenticator.AuthResult authenticate(CallHeaders headers, Tokens access, Map<String, Caller> callers,
                                                                   SqlService sql) {
        String token = AuthUtilities.getValueFromAuthHeader(headers, "Bearer ");
        if (token == null || token.isBlank()) {
            sql.audit(null, "flight-refused", ENDPOINT, null, "no bearer token");
            throw CallStatus.UNAUTHENTICATED.withDescription("send the header authorization: Bearer <token>").toRuntimeException();
        }
        Optional<Caller> found = access.authenticate(token.trim());
        if (found.isEmpty()) {
            sql.audit(null, "flight-refused", ENDPOINT, null, "unknown bearer token");
            throw CallStatus.UNAUTHENTICATED.withDescription("the bearer token is not known").toRuntimeException();
        }
        String id = TokenDigest.hex(token.trim());
        callers.put(id, found.get());
        return new CallHeaderAuthenticator.AuthResult() {
            @Override
            public String getPeerIdentity() {
                return id;
            }

            @Override
            public void appendToOutgoingHeaders(CallHeaders outgoing) {
                // the client keeps sending its own token; nothing to hand back
            }
        };
    }

    private static Caller known(CallHeaders headers, Tokens access) {
        String token = AuthUtilities.getValueFromAuthHeader(headers, "Bearer ");
        return token == null || token.isBlank() ? null : access.authenticate(token.trim()).orElse(null);
    }

    private static final FlightServerMiddleware.Key<Audited> AUDIT = FlightServerMiddleware.Key.of("tonle-audit");

    /** The gRPC header of an answer's {@code as_of}, as {@code Tonle-As-Of} is over HTTP. */
    public static final String AS_OF_HEADER = "tonle-as-of";
    /** The same instant in the answer's Arrow schema, for clients that do not show headers (ADBC, pyarrow). */
    public static final String AS_OF_METADATA = "tonle.as_of";

    /**
     * One audit entry for every Flight call that passed authentication, whatever it was
     * (statements, prepared statements, catalogue and schema calls, calls Tonle does not serve)
     * and however it ended; calls refused at authentication are audited by the authenticator.
     * The statements themselves are audited with their text by {@link SqlService}. An answer's
     * {@code as_of} leaves in this call's headers.
     */
    private static final class Audited implements FlightServerMiddleware {
        private final SqlService sql;
        private final String method;
        private final Caller caller;
        private volatile Instant asOf;

        Audited(SqlService sql, String method, Caller caller) {
            this.sql = sql;
            this.method = method;
            this.caller = caller;
        }

        @Override
        public void onBeforeSendingHeaders(CallHeaders outgoingHeaders) {
            Instant answeredAsOf = asOf;
            if (answeredAsOf != null) {
                outgoingHeaders.insert(AS_OF_HEADER, answeredAsOf.toString());
            }
        }

        @Override
        public void onCallCompleted(CallStatus status) {
            boolean ok = status.code() == FlightStatusCode.OK;
            try {
                sql.audit(caller, ok ? "flight" : "flight-refused", ENDPOINT + " " + method, null,
                        ok ? null : status.code() + ": " + status.description());
            } catch (RuntimeException e) {
                LOG.error("Cannot audit a Flight SQL call: {}", e.getMessage());
            }
        }

        @Override
        public void onCallErrored(Throwable err) {
            // onCallCompleted follows with the status
        }
    }

    /** The Flight SQL calls Tonle answers; everything else stays unimplemented. */
    private static final class Producer extends NoOpFlightSqlProducer {

        private final SqlService sql;
        private final Map<String, Caller> callers;
        /** Checked statements by handle: prepared statements and statements awaiting their ticket. */
        private final Map<ByteString, Statement> statements = new ConcurrentHashMap<>();

        private record Statement(String sql, String owner) {
        }

        Producer(SqlService sql, Map<String, Caller> callers) {
            this.sql = sql;
            this.callers = callers;
        }

        private Caller caller(CallContext context) {
            // peerIdentity is the principal id the authenticator gave this call
            return Optional.ofNullable(callers.get(context.peerIdentity())).orElseThrow(() ->
                    CallStatus.UNAUTHENTICATED.withDescription("not signed in").toRuntimeException());
        }

        /** Checks a statement for its caller and keeps it under a new handle. */
        private ByteString register(String text, CallContext context) {
            Caller caller = caller(context);
            guarded(() -> sql.check(caller, text, ENDPOINT));
            ByteString handle = ByteString.copyFrom(UUID.randomUUID().toString(), StandardCharsets.UTF_8);
            statements.put(handle, new Statement(text, context.peerIdentity()));
            return handle;
        }

        private Statement statement(ByteString handle, CallContext context) {
            Statement statement = statements.get(handle);
            caller(context);
            if (statement == null || !statement.owner().equals(context.peerIdentity())) {
                throw CallStatus.NOT_FOUND.withDescription("no such statement; prepare it again").toRuntimeException();
            }
            return statement;
        }

        private Schema schema(Statement statement, CallContext context) {
            byte[] answer = guarded(() -> sql.schemaOnly(caller(context), statement.sql(), ENDPOINT));
            try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(answer), sql.allocator())) {
                return reader.getVectorSchemaRoot().getSchema();
            } catch (IOException e) {
                throw CallStatus.INTERNAL.withDescription("cannot read the answer's schema").toRuntimeException();
            }
        }

        private static FlightInfo info(Message ticket, Schema schema, FlightDescriptor descriptor) {
            Ticket t = new Ticket(Any.pack(ticket).toByteArray());
            return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(t)), -1, -1);
        }

        @Override
        public FlightInfo getFlightInfoStatement(FlightSql.CommandStatementQuery command, CallContext context, FlightDescriptor descriptor) {
            ByteString handle = register(command.getQuery(), context);
            Schema schema = schema(statements.get(handle), context);
            return info(FlightSql.TicketStatementQuery.newBuilder().setStatementHandle(handle).build(), schema, descriptor);
        }

        @Override
        public SchemaResult getSchemaStatement(FlightSql.CommandStatementQuery command, CallContext context, FlightDescriptor descriptor) {
            Caller caller = caller(context);
            guarded(() -> sql.check(caller, command.getQuery(), ENDPOINT));
            return new SchemaResult(schema(new Statement(command.getQuery(), context.peerIdentity()), context));
        }

        @Override
        public void getStreamStatement(FlightSql.TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
            Statement statement = statement(ticket.getStatementHandle(), context);
            statements.remove(ticket.getStatementHandle());
            stream(statement, context, listener);
        }

        @Override
        public void createPreparedStatement(FlightSql.ActionCreatePreparedStatementRequest request, CallContext context,
                                            StreamListener<Result> listener) {
            try {
                ByteString handle = register(request.getQuery(), context);
                Schema schema = schema(statements.get(handle), context);
                FlightSql.ActionCreatePreparedStatementResult result = FlightSql.ActionCreatePreparedStatementResult.newBuilder()
                        .setPreparedStatementHandle(handle)
                        .setDatasetSchema(ByteString.copyFrom(schema.serializeAsMessage()))
                        .setParameterSchema(ByteString.copyFrom(new Schema(List.of()).serializeAsMessage()))
                        .build();
                listener.onNext(new Result(Any.pack(result).toByteArray()));
                listener.onCompleted();
            } catch (FlightRuntimeException e) {
                listener.onError(e);
            }
        }

        @Override
        public FlightInfo getFlightInfoPreparedStatement(FlightSql.CommandPreparedStatementQuery command, CallContext context,
                                                         FlightDescriptor descriptor) {
            Statement statement = statement(command.getPreparedStatementHandle(), context);
            return info(command, schema(statement, context), descriptor);
        }

        @Override
        public void getStreamPreparedStatement(FlightSql.CommandPreparedStatementQuery command, CallContext context,
                                               ServerStreamListener listener) {
            stream(statement(command.getPreparedStatementHandle(), context), context, listener);
        }

        @Override
        public void closePreparedStatement(FlightSql.ActionClosePreparedStatementRequest request, CallContext context,
                                           StreamListener<Result> listener) {
            statements.remove(request.getPreparedStatementHandle());
            listener.onCompleted();
        }

        // ---- catalogue calls, so that tools (DBeaver) can list the views; the one schema is "main" ----

        @Override
        public FlightInfo getFlightInfoSqlInfo(FlightSql.CommandGetSqlInfo request, CallContext context, FlightDescriptor descriptor) {
            caller(context);
            return info(request, Schemas.GET_SQL_INFO_SCHEMA, descriptor);
        }

        @Override
        public void getStreamSqlInfo(FlightSql.CommandGetSqlInfo command, CallContext context, ServerStreamListener listener) {
            new SqlInfoBuilder()
                    .withFlightSqlServerName("Tonle")
                    .withFlightSqlServerVersion(String.valueOf(FlightSqlServer.class.getPackage().getImplementationVersion()))
                    .withFlightSqlServerArrowVersion("18.3.0")
                    .withFlightSqlServerReadOnly(true)
                    .withSqlIdentifierQuoteChar("\"")
                    .send(command.getInfoList(), listener);
        }

        @Override
        public FlightInfo getFlightInfoCatalogs(FlightSql.CommandGetCatalogs request, CallContext context, FlightDescriptor descriptor) {
            caller(context);
            return info(request, Schemas.GET_CATALOGS_SCHEMA, descriptor);
        }

        @Override
        public void getStreamCatalogs(CallContext context, ServerStreamListener listener) {
            // No catalogues: tools then name views as main.<view>, which the sandbox accepts.
            send(Schemas.GET_CATALOGS_SCHEMA, List.of(), (root, row, name) -> { }, listener);
        }

        @Override
        public FlightInfo getFlightInfoSchemas(FlightSql.CommandGetDbSchemas request, CallContext context, FlightDescriptor descriptor) {
            caller(context);
            return info(request, Schemas.GET_SCHEMAS_SCHEMA, descriptor);
        }

        @Override
        public void getStreamSchemas(FlightSql.CommandGetDbSchemas command, CallContext context, ServerStreamListener listener) {
            boolean matches = !command.hasDbSchemaFilterPattern() || like(command.getDbSchemaFilterPattern(), SCHEMA);
            send(Schemas.GET_SCHEMAS_SCHEMA, matches ? List.of(SCHEMA) : List.of(),
                    (root, row, name) -> text(root, "db_schema_name", row, name), listener);
        }

        @Override
        public FlightInfo getFlightInfoTableTypes(FlightSql.CommandGetTableTypes request, CallContext context, FlightDescriptor descriptor) {
            caller(context);
            return info(request, Schemas.GET_TABLE_TYPES_SCHEMA, descriptor);
        }

        @Override
        public void getStreamTableTypes(CallContext context, ServerStreamListener listener) {
            send(Schemas.GET_TABLE_TYPES_SCHEMA, List.of("VIEW"), (root, row, type) -> text(root, "table_type", row, type), listener);
        }

        @Override
        public FlightInfo getFlightInfoTables(FlightSql.CommandGetTables request, CallContext context, FlightDescriptor descriptor) {
            caller(context);
            return info(request, request.getIncludeSchema() ? Schemas.GET_TABLES_SCHEMA : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA, descriptor);
        }

        @Override
        public void getStreamTables(FlightSql.CommandGetTables command, CallContext context, ServerStreamListener listener) {
            boolean schemaMatches = !command.hasDbSchemaFilterPattern() || like(command.getDbSchemaFilterPattern(), SCHEMA);
            boolean typeMatches = command.getTableTypesCount() == 0 || command.getTableTypesList().contains("VIEW");
            List<String> views = SqlSandbox.VIEWS.stream()
                    .filter(v -> schemaMatches && typeMatches)
                    .filter(v -> !command.hasTableNameFilterPattern() || like(command.getTableNameFilterPattern(), v))
                    .toList();
            Schema schema = command.getIncludeSchema() ? Schemas.GET_TABLES_SCHEMA : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA;
            try {
                send(schema, views, (root, row, view) -> {
                    text(root, "db_schema_name", row, SCHEMA);
                    text(root, "table_name", row, view);
                    text(root, "table_type", row, "VIEW");
                    if (command.getIncludeSchema()) {
                        ((VarBinaryVector) root.getVector("table_schema")).setSafe(row,
                                schema(new Statement("SELECT * FROM " + view, context.peerIdentity()), context).serializeAsMessage());
                    }
                }, listener);
            } catch (FlightRuntimeException e) {
                listener.error(e);
            }
        }

        private interface RowWriter<T> {
            void write(VectorSchemaRoot root, int row, T value);
        }

        private <T> void send(Schema schema, List<T> values, RowWriter<T> writer, ServerStreamListener listener) {
            try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, sql.allocator())) {
                root.allocateNew();
                for (int row = 0; row < values.size(); row++) {
                    writer.write(root, row, values.get(row));
                }
                root.setRowCount(values.size());
                listener.start(root);
                listener.putNext();
                listener.completed();
            }
        }

        private static void text(VectorSchemaRoot root, String column, int row, String value) {
            ((VarCharVector) root.getVector(column)).setSafe(row, value.getBytes(StandardCharsets.UTF_8));
        }

        /** SQL LIKE patterns of the catalogue calls: % any run, _ one character. */
        private static boolean like(String pattern, String value) {
            StringBuilder regex = new StringBuilder();
            for (char ch : pattern.toCharArray()) {
                regex.append(switch (ch) {
                    case '%' -> ".*";
                    case '_' -> ".";
                    default -> Pattern.quote(String.valueOf(ch));
                });
            }
            return value.matches(regex.toString());
        }

        /** Sends an answer the sandbox has already read within its caps (an answer too large is refused before any batch). */
        private void stream(Statement statement, CallContext context, ServerStreamListener listener) {
            try {
                AnalystWorkers.Answer<byte[]> answer = guarded(() -> sql.arrowAnswer(caller(context), statement.sql(), ROW_CAP, ENDPOINT));
                Audited call = context.getMiddleware(AUDIT);
                if (call != null) {
                    call.asOf = answer.asOf();
                }
                try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(answer.value()), sql.allocator())) {
                    VectorSchemaRoot read = reader.getVectorSchemaRoot();
                    Map<String, String> metadata = new HashMap<>(Optional.ofNullable(read.getSchema().getCustomMetadata()).orElse(Map.of()));
                    metadata.put(AS_OF_METADATA, answer.asOf().toString());
                    // The same vectors under a schema that also says as of when; the reader refills them batch by batch.
                    VectorSchemaRoot sent = new VectorSchemaRoot(new Schema(read.getSchema().getFields(), metadata), read.getFieldVectors(), 0);
                    listener.start(sent);
                    while (reader.loadNextBatch()) {
                        sent.setRowCount(read.getRowCount());
                        listener.putNext();
                    }
                    listener.completed();
                }
            } catch (FlightRuntimeException e) {
                listener.error(e);
            } catch (IOException e) {
                listener.error(CallStatus.INTERNAL.withDescription("cannot stream the answer").toRuntimeException());
            }
        }

        /** Refusals become INVALID_ARGUMENT (or TIMED_OUT) with the sandbox's reason. */
        private static <T> T guarded(Supplier<T> call) {
            try {
                return call.get();
            } catch (SqlRefusedException e) {
                throw (e.timedOut() ? CallStatus.TIMED_OUT : CallStatus.INVALID_ARGUMENT).withDescription(e.getMessage()).toRuntimeException();
            } catch (RequestRefused e) {
                CallStatus status = e.reason() == RequestRefused.Reason.NOT_PERMITTED ? CallStatus.UNAUTHORIZED : CallStatus.INVALID_ARGUMENT;
                throw status.withDescription(e.getMessage()).toRuntimeException();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdown();
        server.awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }
}
