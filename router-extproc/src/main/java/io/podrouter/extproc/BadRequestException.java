package io.podrouter.extproc;

/** A request body the picker cannot route (invalid JSON, no model); answered with HTTP 400 and the message. */
final class BadRequestException extends Exception {

    private static final long serialVersionUID = 1L;

    BadRequestException(String message) {
        super(message, null, false, false);
    }
}
