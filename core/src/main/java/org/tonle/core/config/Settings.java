package org.tonle.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** config/tonle.yaml. */
public record Settings(Disclosure disclosure, Ingest ingest, Pseudonymisation pseudonymisation, Sql sql, Transport transport,
                       Warehouse warehouse, Http http, Organisation organisation) {

    public Settings {
        disclosure = disclosure == null ? new Disclosure(5) : disclosure;
        ingest = ingest == null ? new Ingest(5000, 64L << 20) : ingest;
        pseudonymisation = pseudonymisation == null ? new Pseudonymisation("") : pseudonymisation;
        sql = sql == null ? new Sql(10) : sql;
        transport = transport == null ? new Transport(null, null, null, null) : transport;
        warehouse = warehouse == null ? new Warehouse(null) : warehouse;
        http = http == null ? new Http(0) : http;
        organisation = organisation == null ? new Organisation(null) : organisation;
    }

    public Settings(Disclosure disclosure, Ingest ingest, Pseudonymisation pseudonymisation) {
        this(disclosure, ingest, pseudonymisation, null, null, null, null, null);
    }

    public static Settings defaults() {
        return new Settings(null, null, null);
    }

    public record Disclosure(@JsonProperty("min_cell") int minCell) {
    }

    public record Ingest(@JsonProperty("batch_size") int batchSize, @JsonProperty("max_body_bytes") long maxBodyBytes) {
    }

    /**
     * @param checkpointWal the write-ahead log size at which DuckDB folds it into the warehouse
     *                      file. DuckDB's own 16MB makes a bulk load checkpoint every few tens of
     *                      thousands of records, and each checkpoint recompresses the row groups
     *                      it touched: one row group is rewritten several times and commits cost
     *                      more than the appends (docs/PERFORMANCE.md).
     */
    public record Warehouse(@JsonProperty("checkpoint_wal") String checkpointWal) {
        public Warehouse {
            checkpointWal = checkpointWal == null || checkpointWal.isBlank() ? "256MB" : checkpointWal;
        }
    }

    /**
     * @param workers threads that serve requests. A write waits for the warehouse commit it
     *                joins (group commit); with only a thread per core, the waiting requests
     *                leave none to parse and validate the next ones, and the writer idles
     *                between commits (docs/PERFORMANCE.md).
     */
    public record Http(int workers) {
        public Http {
            workers = workers <= 0 ? 32 : workers;
        }
    }

    public record Pseudonymisation(@JsonProperty("key_file") String keyFile) {
    }

    /**
     * @param namespace the UUID in whose namespace spreadsheet keys become record ids (DESIGN.md
     *                  9.5); empty: the node generates one on first start and keeps it in its
     *                  warehouse. Nodes that may import the same sheets must share it.
     */
    public record Organisation(String namespace) {

        /** The configured namespace, or empty; a value that is no UUID is refused. */
        public java.util.Optional<java.util.UUID> namespaceId() {
            if (namespace == null || namespace.isBlank()) {
                return java.util.Optional.empty();
            }
            try {
                return java.util.Optional.of(java.util.UUID.fromString(namespace.strip()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("organisation.namespace in tonle.yaml must be a UUID such as"
                        + " 6ba7b811-9dad-11d1-80b4-00c04fd430c8 (it was '" + namespace + "')");
            }
        }
    }

    /** Ad-hoc SQL (POST /api/v1/sql, Flight SQL): a statement running longer is cancelled. */
    public record Sql(@JsonProperty("timeout_seconds") int timeoutSeconds) {

        public java.time.Duration timeout() {
            return java.time.Duration.ofSeconds(Math.max(1, timeoutSeconds));
        }
    }

    /**
     * How records reach the warehouse that counts them (docs/SCALING.md): in this process
     * ({@code single}), or from offices to headquarters through Kafka.
     *
     * @param node the name headquarters shows for this office node; default: its --office code
     */
    public record Transport(Role role, String node, Kafka kafka, Outbox outbox) {

        public enum Role {
            SINGLE, OFFICE, HEADQUARTERS;

            @com.fasterxml.jackson.annotation.JsonCreator
            public static Role of(String text) {
                for (Role role : values()) {
                    if (role.name().equalsIgnoreCase(text)) {
                        return role;
                    }
                }
                throw new IllegalArgumentException("transport.role must be single, office or headquarters (it was '" + text + "')");
            }
        }

        public Transport {
            role = role == null ? Role.SINGLE : role;
            kafka = kafka == null ? new Kafka(null, null, null, 0) : kafka;
            outbox = outbox == null ? new Outbox(0, 0, 0) : outbox;
        }
    }

    /**
     * @param bootstrap      Kafka bootstrap servers, host:port[,host:port]
     * @param group          the consumer group of the headquarters node(s)
     * @param maxPollRecords records headquarters loads per warehouse transaction at most
     */
    public record Kafka(String bootstrap, String topic, String group, @JsonProperty("max_poll_records") int maxPollRecords) {
        public Kafka {
            bootstrap = bootstrap == null || bootstrap.isBlank() ? "127.0.0.1:9092" : bootstrap;
            topic = topic == null || topic.isBlank() ? "tonle.records" : topic;
            group = group == null || group.isBlank() ? "tonle-headquarters" : group;
            maxPollRecords = maxPollRecords <= 0 ? 1000 : maxPollRecords;
        }
    }

    /**
     * @param capacity changes the office keeps while headquarters is unreachable; beyond it the
     *                 office refuses new records (503) until the line is back
     * @param warnAt   the share of the capacity at which the office warns (log, status, metrics)
     * @param batch    changes forwarded per Kafka round trip
     */
    public record Outbox(long capacity, @JsonProperty("warn_at") double warnAt, int batch) {
        public Outbox {
            capacity = capacity <= 0 ? 1_000_000 : capacity;
            warnAt = warnAt <= 0 || warnAt >= 1 ? 0.8 : warnAt;
            batch = batch <= 0 ? 2000 : batch;
        }
    }
}
