package io.podrouter.extproc;

/**
 * Thrown by {@link JsonReader} for text that is not valid JSON (RFC 8259), or that nests deeper than
 * its limit. The message names what was expected and the character offset.
 */
public final class JsonParseException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int offset;

    /**
     * @param message what was wrong
     * @param offset  the character offset in the input where it was detected
     */
    public JsonParseException(String message, int offset) {
        super(message + " at offset " + offset);
        this.offset = offset;
    }

    /** The character offset in the input where the problem was detected. */
    public int offset() {
        return offset;
    }
}
