package org.tonle.pipelines.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.tonle.core.config.Settings;

/**
 * How a node authenticates to Kafka (docs/TRANSPORT.md): TLS, with the broker's certificate
 * checked against {@code transport.kafka.truststore} and its host name against the certificate,
 * and SASL/SCRAM-SHA-512 as {@code transport.kafka.username}, whose password is read from a file
 * in the secrets folder, never from tonle.yaml. {@code security: plaintext} is for a development
 * broker on loopback only.
 */
public final class KafkaSecurity {

    public static final String MECHANISM = "SCRAM-SHA-512";

    private final Settings.Kafka kafka;
    private final Map<String, Object> properties;

    private KafkaSecurity(Settings.Kafka kafka, Map<String, Object> properties) {
        this.kafka = kafka;
        this.properties = properties;
    }

    /**
     * @param config  the configuration folder (the trust store is relative to it)
     * @param secrets the secrets folder (the password file is relative to it)
     * @throws IllegalStateException naming what is missing
     */
    public static KafkaSecurity of(Settings.Kafka kafka, Path config, Path secrets) {
        Map<String, Object> properties = new LinkedHashMap<>();
        if (!kafka.secured()) {
            properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
            return new KafkaSecurity(kafka, properties);
        }
        if (kafka.username().isEmpty()) {
            throw new IllegalStateException("transport.kafka.username is empty: with security sasl_ssl the node signs in to Kafka"
                    + " as a SCRAM user (docs/TRANSPORT.md)");
        }
        Path passwordFile = secrets.resolve(kafka.passwordFile()).normalize();
        if (!passwordFile.startsWith(secrets.normalize())) {
            throw new IllegalStateException("transport.kafka.password_file must name a file in the secrets folder " + secrets);
        }
        String password;
        try {
            password = Files.readString(passwordFile).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read Kafka's password for " + kafka.username() + " from " + passwordFile
                    + " (transport.kafka.password_file, in the secrets folder): " + e.getMessage(), e);
        }
        if (password.isEmpty()) {
            throw new IllegalStateException("the Kafka password file " + passwordFile + " is empty");
        }
        properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        properties.put(SaslConfigs.SASL_MECHANISM, MECHANISM);
        properties.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + quoted(kafka.username()) + "\" password=\"" + quoted(password) + "\";");
        properties.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "https");
        if (!kafka.truststore().isEmpty()) {
            Path truststore = config.resolve(kafka.truststore()).toAbsolutePath().normalize();
            if (!Files.isReadable(truststore)) {
                throw new IllegalStateException("transport.kafka.truststore " + truststore + " cannot be read");
            }
            String name = truststore.getFileName().toString().toLowerCase(Locale.ROOT);
            properties.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore.toString());
            properties.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, name.endsWith(".p12") || name.endsWith(".pfx") ? "PKCS12" : "PEM");
        }
        return new KafkaSecurity(kafka, properties);
    }

    private static String quoted(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** The security properties of a Kafka client (producer, consumer, admin). */
    public Map<String, Object> properties() {
        return Map.copyOf(properties);
    }

    public boolean secured() {
        return kafka.secured();
    }

    /**
     * A camel-kafka component whose endpoints sign in like this node's other clients, so the
     * password never appears in an endpoint URI (nor in a log of one).
     */
    public KafkaComponent component() {
        KafkaConfiguration configuration = new KafkaConfiguration();
        configuration.setSecurityProtocol((String) properties.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG));
        if (kafka.secured()) {
            configuration.setSaslMechanism(MECHANISM);
            configuration.setSaslJaasConfig((String) properties.get(SaslConfigs.SASL_JAAS_CONFIG));
            configuration.setSslEndpointAlgorithm("https");
            if (properties.containsKey(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG)) {
                configuration.setSslTruststoreLocation((String) properties.get(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG));
                configuration.setSslTruststoreType((String) properties.get(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG));
            }
        }
        KafkaComponent component = new KafkaComponent();
        component.setConfiguration(configuration);
        return component;
    }
}
