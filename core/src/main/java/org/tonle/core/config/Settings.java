package org.tonle.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/** config/tonle.yaml. */
public record Settings(Disclosure disclosure, Ingest ingest, Pseudonymisation pseudonymisation, Sql sql, Transport transport,
                       Warehouse warehouse, Http http, Backup backup, Organisation organisation, Secrets secrets,
                       OidcSettings oidc) {

    public Settings {
        disclosure = disclosure == null ? new Disclosure(5) : disclosure;
        ingest = ingest == null ? new Ingest(5000, 64L << 20) : ingest;
        pseudonymisation = pseudonymisation == null ? new Pseudonymisation("") : pseudonymisation;
        sql = sql == null ? new Sql(10) : sql;
        transport = transport == null ? new Transport(null, null, null, null) : transport;
        warehouse = warehouse == null ? new Warehouse(null) : warehouse;
        http = http == null ? new Http(0) : http;
        backup = backup == null ? new Backup(null, null, 0, null) : backup;
        organisation = organisation == null ? new Organisation(null, null) : organisation;
        secrets = secrets == null ? new Secrets(null) : secrets;
        oidc = oidc == null ? OidcSettings.OFF : oidc;
    }

    public Settings(Disclosure disclosure, Ingest ingest, Pseudonymisation pseudonymisation) {
        this(disclosure, ingest, pseudonymisation, null, null, null, null, null, null, null, null);
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
     * @param threads       DuckDB's threads in the node's own warehouse instance (absent: 1; 0: one
     *                      per core). One by default: with more, the thread running a statement
     *                      busy-spins while a DuckDB worker has its task (DuckDB 1.5, duckdb#22178),
     *                      which doubles a commit's CPU (docs/PERFORMANCE.md). Analyst workers
     *                      take {@code sql.threads} instead.
     */
    public record Warehouse(@JsonProperty("checkpoint_wal") String checkpointWal, Encryption encryption,
                            @JsonProperty("threads") Integer threads) {
        public Warehouse {
            checkpointWal = checkpointWal == null || checkpointWal.isBlank() ? "256MB" : checkpointWal;
            encryption = encryption == null ? new Encryption(false, null, null, false) : encryption;
            threads = threads == null ? 1 : Math.max(0, threads);
        }

        public Warehouse(String checkpointWal, Encryption encryption) {
            this(checkpointWal, encryption, null);
        }

        public Warehouse(String checkpointWal) {
            this(checkpointWal, null, null);
        }
    }

    /**
     * The warehouse file encrypted at rest with DuckDB's database encryption (AES-256-GCM; its
     * write-ahead log and spill files too), off by default (docs/OPERATIONS.md). The key lives
     * outside the data folder: a stolen data folder must not carry it.
     *
     * @param enabled       encrypt the warehouse file
     * @param keyFile       the key file (base64 of 32 random bytes; relative to the configuration
     *                      folder); empty: {@code warehouse-key} in the secrets folder
     * @param keyEnv        the name of an environment variable holding the key instead of a file
     * @param builtinCrypto DuckDB writes encrypted files with OpenSSL from its httpfs extension;
     *                      without that extension only with its built-in mbedTLS module, which
     *                      DuckDB calls not securely encrypted (its nonces do not come from a
     *                      cryptographic random source). {@code true} accepts that module when
     *                      httpfs is not installed; otherwise such a node refuses to start.
     */
    public record Encryption(boolean enabled, @JsonProperty("key_file") String keyFile, @JsonProperty("key_env") String keyEnv,
                             @JsonProperty("builtin_crypto") boolean builtinCrypto) {

        public Encryption {
            keyFile = keyFile == null ? "" : keyFile.trim();
            keyEnv = keyEnv == null ? "" : keyEnv.trim();
        }
    }

    /**
     * @param workers threads that serve requests. A write waits for the warehouse commit it
     *                joins (group commit); with only a thread per core, the waiting requests
     *                leave none to parse and validate the next ones, and the writer idles
     *                between commits (docs/PERFORMANCE.md).
     */
    /**
     * @param sessionIdleMinutes a person's session (DESIGN.md section 9.4) ends after this many
     *                           minutes without a request (default 30)
     * @param tls                HTTPS, when configured
     */
    public record Http(int workers, @JsonProperty("session_idle_minutes") int sessionIdleMinutes, Tls tls) {
        public Http {
            workers = workers <= 0 ? 32 : workers;
            sessionIdleMinutes = sessionIdleMinutes <= 0 ? 30 : sessionIdleMinutes;
        }

        public Http(int workers) {
            this(workers, 0, null);
        }

        /** Whether HTTPS is configured. */
        public boolean secure() {
            return tls != null && tls.keystore() != null && !tls.keystore().isBlank();
        }
    }

    /**
     * HTTPS: a PKCS#12 key store ({@code bin/tonle cert} makes one) and its password, read from
     * a file (best in the secrets folder) or an environment variable.
     *
     * @param keystore     relative to the configuration folder; empty for plain HTTP
     * @param passwordFile relative to the configuration folder
     * @param passwordEnv  the name of an environment variable holding the password
     */
    public record Tls(String keystore, @JsonProperty("password_file") String passwordFile,
                      @JsonProperty("password_env") String passwordEnv) {
    }

    /**
     * Scheduled backups (docs/OPERATIONS.md): off while {@code folder} is empty.
     *
     * @param folder    where the node writes its backups (relative to the config folder, or absolute)
     * @param every     how often, e.g. {@code 24h}, {@code 6h}, {@code 30m} (ISO-8601 {@code PT6H} too)
     * @param keep      how many of the newest backups stay; older ones are deleted
     * @param recipient an OpenPGP public key file (relative to the config folder): backups are
     *                  sealed for it; without one, with the node's {@code TONLE_BACKUP_PASSPHRASE}
     */
    public record Backup(String folder, String every, int keep, String recipient) {
        public Backup {
            folder = folder == null ? "" : folder.trim();
            every = every == null || every.isBlank() ? "24h" : every.trim();
            keep = keep <= 0 ? 14 : keep;
            recipient = recipient == null ? "" : recipient.trim();
        }

        public Duration interval() {
            String text = every.toLowerCase(Locale.ROOT);
            try {
                if (text.startsWith("p")) {
                    return Duration.parse(text.toUpperCase(Locale.ROOT));
                }
                long amount = Long.parseLong(text.substring(0, text.length() - 1));
                return switch (text.charAt(text.length() - 1)) {
                    case 'h' -> Duration.ofHours(amount);
                    case 'm' -> Duration.ofMinutes(amount);
                    case 's' -> Duration.ofSeconds(amount);
                    case 'd' -> Duration.ofDays(amount);
                    default -> throw new NumberFormatException();
                };
            } catch (RuntimeException e) {
                throw new ConfigException("backup.every: '" + every + "' is not a duration such as 24h, 30m or PT6H");
            }
        }
    }

    public record Pseudonymisation(@JsonProperty("key_file") String keyFile) {
    }

    /**
     * The folder of the node's secrets (the pseudonymisation key), apart from everything SQL and
     * programme routes may reach: DuckDB may touch only {@code <data>/duckdb-spill}, routes only
     * {@code <data>/intake/...}, and both are refused anything inside this folder.
     *
     * @param folder relative to the configuration folder; empty for {@code <data>/secrets}
     */
    public record Secrets(String folder) {

        /** The secrets folder of a node with this configuration and data folder. */
        public Path folder(Path config, Path data) {
            return (folder == null || folder.isBlank() ? data.resolve("secrets") : config.resolve(folder)).toAbsolutePath().normalize();
        }
    }

    /**
     * The pseudonymisation key file: {@code pseudonymisation.key_file} (relative to the
     * configuration folder), or {@code subject-key} in the secrets folder.
     */
    public Path keyFile(Path config, Path data) {
        String configured = pseudonymisation.keyFile();
        return configured == null || configured.isBlank() ? secrets.folder(config, data).resolve("subject-key")
                : config.resolve(configured).toAbsolutePath().normalize();
    }

    /**
     * The warehouse key file: {@code warehouse.encryption.key_file} (relative to the
     * configuration folder), or {@code warehouse-key} in the secrets folder.
     */
    public Path warehouseKeyFile(Path config, Path data) {
        String configured = warehouse.encryption().keyFile();
        return configured.isEmpty() ? secrets.folder(config, data).resolve("warehouse-key") : config.resolve(configured).toAbsolutePath().normalize();
    }

    /**
     * Ad-hoc SQL (POST /api/v1/sql, Flight SQL, bin/tonle sql). DuckDB caps memory, threads and
     * spill space per database instance, and analysts share the warehouse's instance, so
     * {@code memory_limit}, {@code threads} and {@code max_temp_size} bound the whole instance
     * (docs/ANALYTICS.md explains why).
     *
     * @param timeoutSeconds    a statement running longer is cancelled and its caller answered
     * @param memoryLimit       DuckDB's memory_limit for the instance, e.g. {@code 2GB}
     * @param threads           DuckDB's threads in each analyst worker; 0: one per core (the node's
     *                          own instance takes {@code warehouse.threads})
     * @param maxTempSize       disk the instance may spill to, in its own spill folder, e.g. {@code 4GB}
     * @param maxAnswerBytes    an answer past this is cut (JSON, CSV, table) or refused (Arrow, Flight SQL)
     * @param concurrentQueries analysts' statements running at once; others wait within their time limit
     * @param snapshotMaxAgeSeconds while records keep arriving, an answer may come from an analyst
     *                  snapshot this old (its {@code as_of} says so); 0: every answer holds every
     *                  commit made before its statement arrived (docs/ANALYTICS.md)
     */
    public record Sql(@JsonProperty("timeout_seconds") int timeoutSeconds, @JsonProperty("memory_limit") String memoryLimit,
                      @JsonProperty("threads") int threads, @JsonProperty("max_temp_size") String maxTempSize,
                      @JsonProperty("max_answer_bytes") long maxAnswerBytes, @JsonProperty("concurrent_queries") int concurrentQueries,
                      @JsonProperty("snapshot_max_age_seconds") int snapshotMaxAgeSeconds) {

        public Sql {
            timeoutSeconds = timeoutSeconds <= 0 ? 10 : timeoutSeconds;
            memoryLimit = memoryLimit == null || memoryLimit.isBlank() ? "2GB" : memoryLimit;
            threads = Math.max(0, threads);
            maxTempSize = maxTempSize == null || maxTempSize.isBlank() ? "4GB" : maxTempSize;
            maxAnswerBytes = maxAnswerBytes <= 0 ? 64L << 20 : maxAnswerBytes;
            concurrentQueries = concurrentQueries <= 0 ? 2 : concurrentQueries;
            snapshotMaxAgeSeconds = Math.max(0, snapshotMaxAgeSeconds);
        }

        public Sql(int timeoutSeconds, String memoryLimit, int threads, String maxTempSize, long maxAnswerBytes, int concurrentQueries) {
            this(timeoutSeconds, memoryLimit, threads, maxTempSize, maxAnswerBytes, concurrentQueries, 0);
        }

        public Sql(int timeoutSeconds) {
            this(timeoutSeconds, null, 0, null, 0, 0);
        }

        public Duration snapshotMaxAge() {
            return Duration.ofSeconds(snapshotMaxAgeSeconds);
        }

        public Duration timeout() {
            return Duration.ofSeconds(Math.max(1, timeoutSeconds));
        }
    }

    /**
     * @param namespace the UUID in whose namespace spreadsheet keys become record ids (DESIGN.md
     *                  9.5); empty: the node generates one on first start and keeps it in its
     *                  warehouse. Nodes that may import the same sheets must share it.
     * @param name      the organisation's name as its reports are titled; empty: none
     */
    public record Organisation(String namespace, String name) {

        /** The organisation's name, or empty. */
        public Optional<String> displayName() {
            return name == null || name.isBlank() ? Optional.empty() : Optional.of(name.strip());
        }

        /** The configured namespace, or empty; a value that is no UUID is refused. */
        public Optional<UUID> namespaceId() {
            if (namespace == null || namespace.isBlank()) {
                return Optional.empty();
            }
            try {
                return Optional.of(UUID.fromString(namespace.strip()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("organisation.namespace in tonle.yaml must be a UUID such as"
                        + " 6ba7b811-9dad-11d1-80b4-00c04fd430c8 (it was '" + namespace + "')");
            }
        }
    }

    /**
     * How records reach the warehouse that counts them (docs/SCALING.md): in this process
     * ({@code single}), or from offices to headquarters through Kafka.
     *
     * @param node    the name headquarters shows for this office node; default: its --office code.
     *                The node writes only its own topic, {@code <kafka.topic>.<node>}
     * @param senders headquarters: the offices whose records, corrections and voids each office
     *                node may send; empty: every configured office is a node that sends its own
     */
    public record Transport(Role role, String node, Kafka kafka, Outbox outbox, Map<String, List<String>> senders) {

        public enum Role {
            SINGLE, OFFICE, HEADQUARTERS;

            @JsonCreator
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
            kafka = kafka == null ? new Kafka(null, null, null, 0, null, null, null, null, null) : kafka;
            outbox = outbox == null ? new Outbox(0, 0, 0) : outbox;
            senders = senders == null ? Map.of() : Map.copyOf(senders);
        }

        public Transport(Role role, String node, Kafka kafka, Outbox outbox) {
            this(role, node, kafka, outbox, null);
        }
    }

    /**
     * @param bootstrap      Kafka bootstrap servers, host:port[,host:port]
     * @param group          the consumer group of the headquarters node(s)
     * @param maxPollRecords records headquarters loads per warehouse transaction at most
     * @param topic          the prefix of the office topics: office node X writes {@code <topic>.X}
     * @param refusalsTopic  the prefix of the topics on which headquarters tells office node X
     *                       what it refused: {@code <refusals_topic>.X}
     * @param security       {@code sasl_ssl} (default: TLS and SASL/SCRAM-SHA-512) or
     *                       {@code plaintext} (a development broker on loopback only)
     * @param truststore     the broker's CA certificate(s), PEM, or a PKCS#12 trust store
     *                       (relative to the configuration folder); empty: the JDK's trusted CAs
     * @param username       this node's SCRAM user at the broker
     * @param passwordFile   the file holding that user's password, in the secrets folder (relative to it)
     */
    public record Kafka(String bootstrap, String topic, String group, @JsonProperty("max_poll_records") int maxPollRecords,
                        @JsonProperty("refusals_topic") String refusalsTopic, String security, String truststore, String username,
                        @JsonProperty("password_file") String passwordFile) {
        public Kafka {
            bootstrap = bootstrap == null || bootstrap.isBlank() ? "127.0.0.1:9092" : bootstrap;
            topic = topic == null || topic.isBlank() ? "tonle.records" : topic;
            group = group == null || group.isBlank() ? "tonle-headquarters" : group;
            maxPollRecords = maxPollRecords <= 0 ? 5000 : maxPollRecords;
            refusalsTopic = refusalsTopic == null || refusalsTopic.isBlank() ? "tonle.refusals" : refusalsTopic;
            security = security == null || security.isBlank() ? "sasl_ssl" : security.strip().toLowerCase(Locale.ROOT);
            if (!security.equals("sasl_ssl") && !security.equals("plaintext")) {
                throw new ConfigException("transport.kafka.security must be sasl_ssl or plaintext (it was '" + security + "')");
            }
            truststore = truststore == null ? "" : truststore.strip();
            username = username == null ? "" : username.strip();
            passwordFile = passwordFile == null || passwordFile.isBlank() ? "kafka-password" : passwordFile.strip();
        }

        public Kafka(String bootstrap, String topic, String group, int maxPollRecords) {
            this(bootstrap, topic, group, maxPollRecords, null, null, null, null, null);
        }

        /** Whether the node talks to Kafka over TLS with SASL/SCRAM (false: plaintext, development only). */
        public boolean secured() {
            return security.equals("sasl_ssl");
        }

        /** The topic office node {@code node} writes its changes to. */
        public String officeTopic(String node) {
            return topic + "." + node;
        }

        /** The topic on which headquarters tells office node {@code node} what it refused. */
        public String refusalsTopic(String node) {
            return refusalsTopic + "." + node;
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
