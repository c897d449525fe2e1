-- Changes Kafka acknowledged: everything up to and including a sequence number, trimmed in
-- runs of thousands rather than after every batch.
DELETE FROM outbox WHERE seq <= ?
