package org.tonle.core.config;

public record Office(String code, String name) {
}
