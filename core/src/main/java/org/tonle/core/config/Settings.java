package org.tonle.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** config/tonle.yaml. */
public record Settings(Disclosure disclosure, Ingest ingest, Pseudonymisation pseudonymisation, Sql sql) {

    public Settings {
        disclosure = disclosure == null ? new Disclosure(5) : disclosure;
        ingest = ingest == null ? new Ingest(5000, 64L << 20) : ingest;
        pseudonymisation = pseudonymisation == null ? new Pseudonymisation("") : pseudonymisation;
        sql = sql == null ? new Sql(10) : sql;
    }

    public Settings(Disclosure disclosure, Ingest ingest, Pseudonymisation pseudonymisation) {
        this(disclosure, ingest, pseudonymisation, null);
    }

    public static Settings defaults() {
        return new Settings(null, null, null);
    }

    public record Disclosure(@JsonProperty("min_cell") int minCell) {
    }

    public record Ingest(@JsonProperty("batch_size") int batchSize, @JsonProperty("max_body_bytes") long maxBodyBytes) {
    }

    public record Pseudonymisation(@JsonProperty("key_file") String keyFile) {
    }

    /** Ad-hoc SQL (POST /api/v1/sql, Flight SQL): a statement running longer is cancelled. */
    public record Sql(@JsonProperty("timeout_seconds") int timeoutSeconds) {

        public java.time.Duration timeout() {
            return java.time.Duration.ofSeconds(Math.max(1, timeoutSeconds));
        }
    }
}
