-- Changes Kafka acknowledged: everything up to and including a sequence number.
DELETE FROM outbox WHERE seq <= ?
