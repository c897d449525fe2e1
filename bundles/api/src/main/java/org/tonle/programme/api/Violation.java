package org.tonle.programme.api;

/**
 * Why a record cannot be accepted.
 *
 * @param field  the field at fault, as a path ({@code subject.role}, {@code attributes.channel})
 * @param rule   a stable code ({@code required}, {@code enum}, {@code max_length}, ...)
 * @param reason words a field officer understands; never contains a subject ref
 */
public record Violation(String field, String rule, String reason) {
}
