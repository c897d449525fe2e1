package org.tonle.core;

import java.util.List;

/** The fixed dimension values of DESIGN.md sections 3 and 4. */
public final class Dimensions {

    public static final List<String> SEXES = List.of("F", "M", "X", "U");

    public static final List<String> AGE_BANDS = List.of("0-5", "6-11", "12-14", "15-17", "18+", "unknown");

    public static final String OFFICE = "office";
    public static final String SEX = "sex";
    public static final String AGE_BAND = "age_band";
    public static final String ROLE = "role";
    public static final String GROUP = "group";

    private Dimensions() {
    }

    /**
     * Sex and age band describe the person, not the record: a breakdown of distinct persons by
     * them counts each person once, under their latest value in the period.
     */
    public static boolean isPersonAttribute(String dimension) {
        return SEX.equals(dimension) || AGE_BAND.equals(dimension);
    }

    /** The age band of an age in years; {@code unknown} when the age is not given. */
    public static String ageBand(Integer age) {
        if (age == null) {
            return "unknown";
        }
        if (age <= 5) {
            return "0-5";
        }
        if (age <= 11) {
            return "6-11";
        }
        if (age <= 14) {
            return "12-14";
        }
        return age <= 17 ? "15-17" : "18+";
    }
}
