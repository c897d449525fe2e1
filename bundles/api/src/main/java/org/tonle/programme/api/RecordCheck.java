package org.tonle.programme.api;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A check a programme adds to the rules its declaration already implies. Register it as an
 * OSGi service with the property {@code tonle.programme=<programme id>}; the host calls it for
 * that programme's records after the declared rules passed. The subject ref it sees is
 * already pseudonymised.
 */
@ConsumerType
public interface RecordCheck {

    /** @return the violations, empty when the record is acceptable */
    List<Violation> check(ActivityRecord record);
}
