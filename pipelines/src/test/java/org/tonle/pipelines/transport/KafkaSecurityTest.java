package org.tonle.pipelines.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.ConfigException;
import org.tonle.core.config.Settings;

/** How a node signs in to Kafka, and which office nodes headquarters hears (docs/TRANSPORT.md). */
class KafkaSecurityTest {

    @TempDir
    Path root;

    private static Settings.Kafka kafka(String security, String username, String passwordFile, String truststore) {
        return new Settings.Kafka("127.0.0.1:9093", null, null, 0, null, security, truststore, username, passwordFile);
    }

    @Test
    void saslSslIsTheDefaultAndReadsThePasswordFromTheSecretsFolder() throws Exception {
        Path secrets = Files.createDirectories(root.resolve("secrets"));
        Files.writeString(secrets.resolve("kafka-password"), "s\"ecret\n");
        Files.writeString(root.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\n");
        KafkaSecurity security = KafkaSecurity.of(kafka(null, "office-pnh", null, "ca.crt"), root, secrets);
        Map<String, Object> p = security.properties();
        assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.type", "PEM").containsEntry("ssl.endpoint.identification.algorithm", "https");
        assertThat((String) p.get("sasl.jaas.config")).contains("username=\"office-pnh\"", "password=\"s\\\"ecret\"");
    }

    @Test
    void aMissingUserOrPasswordOrAPasswordOutsideTheSecretsFolderStopsTheNode() throws Exception {
        Path secrets = Files.createDirectories(root.resolve("secrets"));
        Files.writeString(root.resolve("elsewhere"), "pw");
        assertThatThrownBy(() -> KafkaSecurity.of(kafka(null, "", null, ""), root, secrets)).hasMessageContaining("username");
        assertThatThrownBy(() -> KafkaSecurity.of(kafka(null, "hq", null, ""), root, secrets)).hasMessageContaining("kafka-password");
        assertThatThrownBy(() -> KafkaSecurity.of(kafka(null, "hq", "../elsewhere", ""), root, secrets))
                .hasMessageContaining("in the secrets folder");
        assertThatThrownBy(() -> kafka("ssl", "hq", null, "")).isInstanceOf(ConfigException.class);
    }

    @Test
    void plaintextIsOnlyWhatTheConfigurationSays() {
        assertThat(KafkaSecurity.of(kafka("plaintext", "", null, ""), root, root).properties())
                .containsExactly(Map.entry("security.protocol", "PLAINTEXT"));
    }

    @Test
    void eachOfficeIsANodeWritingItsOwnUnlessSendersSayOtherwise() {
        Settings.Kafka kafka = kafka("plaintext", "", null, "");
        Senders own = Senders.of(kafka, Map.of(), List.of("PNH", "SHV"));
        assertThat(own.topics()).containsExactlyInAnyOrder("tonle.records.PNH", "tonle.records.SHV");
        assertThat(own.nodeOf("tonle.records.PNH")).isEqualTo("PNH");
        assertThat(own.offices("PNH")).containsExactly("PNH");
        assertThat(own.nodeOf("tonle.records.SRP")).isNull();
        assertThat(own.nodeOf("other.PNH")).isNull();
        Senders region = Senders.of(kafka, Map.of("NW", List.of("SRP", "PNH")), List.of("PNH", "SHV", "SRP"));
        assertThat(region.topics()).containsExactly("tonle.records.NW");
        assertThat(region.offices("NW")).containsExactlyInAnyOrder("SRP", "PNH");
        assertThatThrownBy(() -> Senders.of(kafka, Map.of("a/b", List.of("PNH")), List.of("PNH"))).hasMessageContaining("cannot name");
    }
}
