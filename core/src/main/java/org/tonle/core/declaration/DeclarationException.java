package org.tonle.core.declaration;

/** A programme declaration that cannot be used; the message names the file and the problem. */
public class DeclarationException extends Exception {

    private final String source;

    public DeclarationException(String source, String problem) {
        super(source + ": " + problem);
        this.source = source;
    }

    public String source() {
        return source;
    }
}
