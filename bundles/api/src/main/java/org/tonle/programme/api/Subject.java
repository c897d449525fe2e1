package org.tonle.programme.api;

/**
 * The person an activity concerns.
 *
 * @param ref  case or client code; {@code null} for people who cannot be identified. Raw refs
 *             are pseudonymised at the first hop and never stored.
 * @param role one of the activity's declared roles
 * @param sex  {@code F}, {@code M}, {@code X} (other) or {@code U} (unknown)
 * @param age  age in years, or {@code null} when unknown
 */
public record Subject(String ref, String role, String sex, Integer age) {
}
