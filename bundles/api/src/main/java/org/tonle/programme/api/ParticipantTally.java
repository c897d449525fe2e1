package org.tonle.programme.api;

/**
 * How many people of one group and sex took part, e.g. 12 male taxi drivers.
 */
public record ParticipantTally(String group, String sex, int count) {
}
