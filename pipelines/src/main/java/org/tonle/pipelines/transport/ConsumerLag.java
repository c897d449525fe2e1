package org.tonle.pipelines.transport;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * How far headquarters' consumer group is behind the offices: per partition, the end offset
 * minus the committed offset. Asked of the broker (Kafka's admin client), at most once every
 * two seconds.
 */
public final class ConsumerLag implements AutoCloseable {

    private static final Duration MAX_AGE = Duration.ofSeconds(2);
    private static final long TIMEOUT_MS = 3000;

    /**
     * @param partitions lag by topic partition ({@code tonle.records.PNH-0}); empty when the broker could not be asked
     * @param error      why the lag is unknown, or null
     */
    public record Lag(Map<String, Long> partitions, String error, Instant measuredAt) {
        public long total() {
            return partitions.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Admin admin;
    private final List<String> topics;
    private final String group;
    private Lag last;

    public ConsumerLag(String bootstrap, List<String> topics, String group, KafkaSecurity security) {
        Properties properties = new Properties();
        properties.putAll(security.properties());
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(AdminClientConfig.CLIENT_ID_CONFIG, "tonle-headquarters-lag");
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
        this.admin = Admin.create(properties);
        this.topics = topics;
        this.group = group;
    }

    public synchronized Lag lag() {
        if (last != null && last.measuredAt().plus(MAX_AGE).isAfter(Instant.now())) {
            return last;
        }
        last = measure();
        return last;
    }

    private Lag measure() {
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            List<String> present = topics.stream().filter(existing::contains).toList();
            if (present.isEmpty()) {
                return new Lag(Map.of(), "no office topic exists yet (no office has forwarded anything)", Instant.now());
            }
            admin.describeTopics(present).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).forEach((topic, description) -> {
                for (TopicPartitionInfo info : description.partitions()) {
                    latest.put(new TopicPartition(topic, info.partition()), OffsetSpec.latest());
                }
            });
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                    admin.listOffsets(latest).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<String, Long> lag = new TreeMap<>();
            ends.forEach((partition, end) -> {
                OffsetAndMetadata done = committed.get(partition);
                lag.put(partition.toString(), Math.max(0, end.offset() - (done == null ? 0 : done.offset())));
            });
            return new Lag(lag, null, Instant.now());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Lag(Map.of(), "interrupted", Instant.now());
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String error = cause instanceof UnknownTopicOrPartitionException
                    ? "an office topic does not exist yet (no office has forwarded anything)"
                    : "Kafka did not answer: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : " " + cause.getMessage());
            return new Lag(Map.of(), error, Instant.now());
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
