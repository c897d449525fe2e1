package org.tonle.core.declaration;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How an indicator turns records into a number. */
public enum Measure {
    /** Counts records. */
    @JsonProperty("records") RECORDS("records", false),
    /** Sums the records' {@code count}. */
    @JsonProperty("sum_count") SUM_COUNT("count", false),
    /** Counts distinct pseudonymous subjects over the whole period; anonymous records count one each. */
    @JsonProperty("distinct_subjects") DISTINCT_SUBJECTS("persons", true),
    /** Sums participant tallies. */
    @JsonProperty("participants") PARTICIPANTS("persons", true),
    /** numerator / denominator * factor, from two other indicators. */
    @JsonProperty("ratio") RATIO("ratio", false);

    private final String defaultUnit;
    private final boolean countsPersons;

    Measure(String defaultUnit, boolean countsPersons) {
        this.defaultUnit = defaultUnit;
        this.countsPersons = countsPersons;
    }

    public String defaultUnit() {
        return defaultUnit;
    }

    /** Person counts are what disclosure control protects (DESIGN.md section 6). */
    public boolean countsPersons() {
        return countsPersons;
    }
}
