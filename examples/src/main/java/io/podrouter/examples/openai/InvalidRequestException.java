package io.podrouter.examples.openai;

/**
 * A request body that cannot be served as sent: not JSON, not an object, or a field of the wrong type.
 * The message is meant for the client (it goes into the OpenAI error object); {@link #param()} names
 * the offending field, or is null when the body as a whole is wrong.
 */
public final class InvalidRequestException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String param;

    /**
     * @param message for the client
     * @param param   the offending field, or null
     */
    public InvalidRequestException(String message, String param) {
        super(message);
        this.param = param;
    }

    /** The offending field, or null when the body as a whole is wrong. */
    public String param() {
        return param;
    }
}
