package org.tonle.warehouse.backup;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code manifest.json}, the first entry of a backup archive: what it holds and how to check it.
 * Tables are Parquet files, not DuckDB's own file format, so a later DuckDB (or any Parquet
 * reader) can read them.
 *
 * @param schema         the warehouse migrations applied when the backup was taken, in order
 * @param keyFingerprint the fingerprint of the pseudonymisation key the warehouse was built with
 * @param keySha256      SHA-256 of the escrowed key file inside the archive
 * @param parquetKey     the key (base64, AES-256) the tables' Parquet files are encrypted with
 *                       when the warehouse was (Parquet modular encryption, footer key); absent
 *                       for a plain warehouse
 */
public record Manifest(
        String format,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("duckdb_version") String duckdbVersion,
        List<String> schema,
        @JsonProperty("key_fingerprint") String keyFingerprint,
        @JsonProperty("key_sha256") String keySha256,
        List<Table> tables,
        List<Sequence> sequences,
        @JsonProperty("parquet_key") @JsonInclude(JsonInclude.Include.NON_NULL) String parquetKey) {

    public static final String FORMAT = "tonle-backup/1";
    public static final String ENTRY = "manifest.json";
    public static final String KEY_ENTRY = "secrets/subject-key";

    /** One table: its Parquet file inside the archive, its row count and the file's SHA-256. */
    public record Table(String name, String file, long rows, String sha256) {
    }

    /** A sequence's last value, so that restored rows and new ones never share an id. */
    public record Sequence(String name, @JsonProperty("last_value") long lastValue) {
    }

    /** Keeps the table key out of logs and error messages that print a manifest. */
    @Override
    public String toString() {
        return "Manifest[" + format + ", created " + createdAt + ", " + tables.size() + " tables"
                + (parquetKey == null ? "" : ", tables encrypted") + "]";
    }

    public long rows(String table) {
        return tables.stream().filter(t -> t.name().equals(table)).mapToLong(Table::rows).sum();
    }
}
