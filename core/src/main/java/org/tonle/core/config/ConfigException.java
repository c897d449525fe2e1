package org.tonle.core.config;

/** A configuration file that cannot be used; the message names the file and the problem. */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
