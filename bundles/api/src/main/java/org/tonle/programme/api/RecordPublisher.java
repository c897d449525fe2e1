package org.tonle.programme.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Sends records into the one ingest pipeline, for a bundle's own intake (a hotline form, a
 * device sync). The host registers this service; the call returns after the accepted records
 * are committed, exactly like the HTTP API.
 */
@ProviderType
public interface RecordPublisher {

    PublishResult publish(List<ActivityRecord> records, String source);
}
