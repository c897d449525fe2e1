package org.tonle.pipelines.transport;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.config.Settings;

/**
 * The office side of refusals: reads this node's refusals topic from its beginning on every
 * start (no consumer group, so nothing to commit and no group to grant), and keeps what
 * headquarters refused in {@link TransportState} for {@code GET /api/v1/status}.
 */
public final class RefusalWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RefusalWatch.class);

    private final KafkaConsumer<String, String> consumer;
    private final String topic;
    private final TransportState state;
    private final Thread thread;
    private volatile boolean running = true;

    public RefusalWatch(Settings.Kafka kafka, KafkaSecurity security, String node, TransportState state) {
        Map<String, Object> properties = new HashMap<>(security.properties());
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "tonle-office-" + node + "-refusals");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        properties.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2000);
        this.consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
        this.topic = kafka.refusalsTopic(node);
        this.state = state;
        this.thread = new Thread(this::run, "tonle-refusal-watch");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            while (running && !assign()) {
                Thread.sleep(2000);
            }
            while (running) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    Refusal refusal = Refusal.read(record.value());
                    if (state.refused(refusal)) {
                        LOG.warn("Headquarters refused {} of record {}: {} ({})", refusal.action(), refusal.id(), refusal.reason(),
                                refusal.rule());
                    }
                }
            }
        } catch (WakeupException | InterruptException | InterruptedException stopping) {
            // close() asked
        } catch (RuntimeException e) {
            if (running) {
                LOG.warn("Stopped reading what headquarters refused from {}: {}", topic, e.toString());
            }
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    /** Takes every partition of the topic once it exists; false while it does not (no refusal yet) or Kafka is away. */
    private boolean assign() {
        try {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (partitions == null || partitions.isEmpty()) {
                return false;
            }
            List<TopicPartition> assigned = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            return true;
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
