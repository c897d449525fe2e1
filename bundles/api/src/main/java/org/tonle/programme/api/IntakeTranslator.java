package org.tonle.programme.api;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Turns one submission in a programme's own intake format (a hotline web form, a device
 * export) into activity records. A programme's Camel route names the translator by setting the
 * header {@value #HEADER} before it sends the submission to the host's intake endpoint
 * {@value #ENDPOINT}; the host then calls the service registered with the property
 * {@code tonle.intake=<that name>} and sends the records it returns through the ingest
 * pipeline, where they are pseudonymised and validated like any other record.
 *
 * <p>Added in API 1.1.0. A translator must not keep or log the raw subject refs it sees.
 */
@ConsumerType
public interface IntakeTranslator {

    /** The host's intake endpoint, the one endpoint (besides data folders) a programme route may use. */
    String ENDPOINT = "direct:tonle-intake";

    /** The message header naming the translator for a submission. */
    String HEADER = "TonleIntake";

    /** The service property that names a translator. */
    String NAME_PROPERTY = "tonle.intake";

    /**
     * @param submission one JSON object as the host parsed it: maps, lists, strings, numbers
     *                   (Integer, Long, Double, BigInteger), booleans and nulls, so that a
     *                   translator needs no JSON library of its own
     * @param source     where it came from (e.g. the file name), for messages
     * @return the records it holds; an exception means the submission cannot be read at all
     */
    List<ActivityRecord> translate(Map<String, Object> submission, String source);
}
