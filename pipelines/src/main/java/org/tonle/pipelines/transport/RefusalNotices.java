package org.tonle.pipelines.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.tonle.core.config.Settings;

/**
 * Headquarters tells each office node what it refused, on that node's refusals topic, before it
 * commits the offsets of the batch: a refusal is never forgotten, though one may be told twice
 * after a restart.
 */
public final class RefusalNotices implements AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final Settings.Kafka kafka;

    public RefusalNotices(Settings.Kafka kafka, KafkaSecurity security) {
        Map<String, Object> properties = new HashMap<>(security.properties());
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, "tonle-headquarters-refusals");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10000);
        this.producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
        this.kafka = kafka;
    }

    /** Sends the refusals and waits until Kafka has them. */
    void send(Map<String, List<Refusal>> byNode) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        byNode.forEach((node, refusals) -> refusals.forEach(refusal ->
                sent.add(producer.send(new ProducerRecord<>(kafka.refusalsTopic(node), refusal.id(), refusal.write())))));
        for (Future<RecordMetadata> future : sent) {
            try {
                future.get(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while telling an office what headquarters refused", e);
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new IllegalStateException("cannot tell the office what headquarters refused: " + cause.getMessage(), cause);
            }
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
    }
}
