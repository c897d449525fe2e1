/**
 * Offices feed headquarters through Apache Kafka (docs/SCALING.md): an office forwards every
 * committed change from its durable outbox; headquarters loads what it consumes through the
 * same ingest route as any other entry point and commits Kafka offsets only after the warehouse
 * committed. Which side a node plays is configuration ({@code transport.role}).
 */
package org.tonle.pipelines.transport;
