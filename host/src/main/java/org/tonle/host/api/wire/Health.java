package org.tonle.host.api.wire;

/** {@code GET /health}. */
public record Health(String status) {
}
