package org.tonle.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.tonle.host.cli.TonleCommand;

/**
 * A real Apache Kafka broker (kafka_2.13, KRaft, one node that is broker and controller) in a
 * child JVM on loopback, started from the test's own class path: {@code StorageTool format
 * --standalone}, then {@code kafka.Kafka}. It can be stopped and started again on the same
 * port and log directory, as a broker that goes away and comes back.
 */
public final class KafkaBroker implements AutoCloseable {

    /** The broker's own SCRAM user, a super user: it creates the users and ACLs of the tests. */
    public static final String ADMIN = "admin";

    private final Path dir;
    private final int port;
    private final Path properties;
    private final Path tls;
    private final String adminPassword;
    private Process process;

    private KafkaBroker(Path dir, int port, Path properties, Path tls, String adminPassword) {
        this.dir = dir;
        this.port = port;
        this.properties = properties;
        this.tls = tls;
        this.adminPassword = adminPassword;
    }

    /** A plaintext broker without authentication or ACLs (transport.kafka.security: plaintext). */
    public static KafkaBroker start(Path dir) {
        try {
            Files.createDirectories(dir);
            int port = freePort();
            int controllerPort = freePort();
            Path properties = dir.resolve("server.properties");
            Files.writeString(properties, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "log.dirs=" + dir.resolve("logs").toAbsolutePath(),
                    "num.partitions=3",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=true",
                    ""));
            KafkaBroker broker = new KafkaBroker(dir, port, properties, null, null);
            broker.format();
            broker.startProcess();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A broker as an organisation runs it (docs/TRANSPORT.md): one listener for clients, TLS with
     * SASL/SCRAM-SHA-512 (a certificate made by {@code bin/tonle cert} for 127.0.0.1), the
     * controller listener TLS with SASL/PLAIN for the broker itself, and KRaft's
     * StandardAuthorizer: nobody but {@link #ADMIN} may do anything an ACL does not allow.
     *
     * @param users SCRAM users and their passwords, created when the log directory is formatted
     */
    public static KafkaBroker startSecure(Path dir, Map<String, String> users) {
        try {
            Files.createDirectories(dir);
            Path tls = dir.resolve("tls");
            if (TonleCommand.run("cert", "--out", tls.toString(), "--host", "localhost", "--ip", "127.0.0.1") != 0) {
                throw new IllegalStateException("bin/tonle cert failed for the broker");
            }
            String storePassword = Files.readString(tls.resolve("tonle.password")).strip();
            String adminPassword = "admin-" + Uuid.randomUuid();
            int port = freePort();
            int controllerPort = freePort();
            Path properties = dir.resolve("server.properties");
            Files.writeString(properties, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                    "listeners=SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=SASL_SSL",
                    "listener.security.protocol.map=CONTROLLER:SASL_SSL,SASL_SSL:SASL_SSL",
                    "listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512",
                    "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                    "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
                    "sasl.mechanism.controller.protocol=PLAIN",
                    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule"
                            + " required username=\"" + ADMIN + "\" password=\"" + adminPassword + "\";",
                    "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
                            + " required username=\"" + ADMIN + "\" password=\"" + adminPassword + "\" user_" + ADMIN + "=\""
                            + adminPassword + "\";",
                    "ssl.keystore.type=PKCS12",
                    "ssl.keystore.location=" + tls.resolve("tonle.p12").toAbsolutePath(),
                    "ssl.keystore.password=" + storePassword,
                    "ssl.key.password=" + storePassword,
                    "ssl.truststore.type=PEM",
                    "ssl.truststore.location=" + tls.resolve("tonle.crt").toAbsolutePath(),
                    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                    "super.users=User:" + ADMIN,
                    "allow.everyone.if.no.acl.found=false",
                    "log.dirs=" + dir.resolve("logs").toAbsolutePath(),
                    "num.partitions=3",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    ""));
            KafkaBroker broker = new KafkaBroker(dir, port, properties, tls, adminPassword);
            List<String> scram = new ArrayList<>();
            scram.add(ADMIN + "=" + adminPassword);
            users.forEach((user, password) -> scram.add(user + "=" + password));
            broker.format(scram.stream().flatMap(u -> {
                String[] pair = u.split("=", 2);
                return Stream.of("--add-scram", "SCRAM-SHA-512=[name=" + pair[0] + ",password=" + pair[1] + "]");
            }).toArray(String[]::new));
            broker.startProcess();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void format(String... extra) {
        try {
            List<String> args = new ArrayList<>(List.of("format", "--standalone", "-t", Uuid.randomUuid().toString(), "-c",
                    properties.toString()));
            args.addAll(List.of(extra));
            Process format = java("kafka.tools.StorageTool", args.toArray(String[]::new))
                    .redirectOutput(dir.resolve("format.log").toFile()).start();
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IllegalStateException("kafka StorageTool format failed: " + Files.readString(dir.resolve("format.log")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** CPU time the broker's process has used so far (zero when it is not running or the OS does not tell). */
    public Duration cpu() {
        return process == null ? Duration.ZERO : process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** The broker's process id (to pin it to CPUs), or -1 when it is not running. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** The broker's certificate (PEM), which clients trust; null for a plaintext broker. */
    public Path certificate() {
        return tls == null ? null : tls.resolve("tonle.crt");
    }

    /** The client properties of a SCRAM user on this broker (TLS trusting its certificate), or plaintext ones. */
    public Properties client(String user, String password) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        if (tls == null) {
            return p;
        }
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", "SCRAM-SHA-512");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";");
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.location", certificate().toAbsolutePath().toString());
        return p;
    }

    /** Allows a user these operations on a topic or group (literal or prefixed name), as kafka-acls.sh --add would. */
    public void allow(String user, ResourceType type, String name, PatternType pattern, AclOperation... operations) {
        List<AclBinding> bindings = new ArrayList<>();
        for (AclOperation operation : operations) {
            bindings.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW)));
        }
        try (Admin admin = admin()) {
            admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create ACLs for " + user + ": " + e.getMessage(), e);
        }
    }

    /** Creates a topic with this many partitions. */
    public void createTopic(String topic, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + topic + ": " + e.getMessage(), e);
        }
    }

    /** Stops the broker (SIGTERM, a clean shutdown) and waits for it. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Starts the broker again on the same port and data. */
    public void restart() {
        stop();
        startProcess();
    }

    private void startProcess() {
        try {
            process = java("kafka.Kafka", properties.toString())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Kafka broker exited; see " + dir.resolve("broker.log"));
            }
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                return;
            } catch (Exception notYet) {
                sleep(200);
            }
        }
        throw new IllegalStateException("the Kafka broker did not start within 60 s; see " + dir.resolve("broker.log"));
    }

    private Admin admin() {
        Properties p = client(ADMIN, adminPassword);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
        return Admin.create(p);
    }

    /** A child JVM on this test's class path (which holds kafka_2.13 and its dependencies). */
    private ProcessBuilder java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=" + writeLogbackConfig(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(Map.of("KAFKA_HEAP_OPTS", "-Xmx512m"));
        return builder;
    }

    /** The broker logs warnings only, to its own file. */
    private String writeLogbackConfig() {
        Path file = dir.resolve("logback.xml");
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, """
                        <configuration>
                          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                            <encoder><pattern>%d %-5level %logger{30} - %msg%n</pattern></encoder>
                          </appender>
                          <root level="WARN"><appender-ref ref="OUT"/></root>
                        </configuration>
                        """);
            }
            return file.toAbsolutePath().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
