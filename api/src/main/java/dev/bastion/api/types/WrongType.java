package dev.bastion.api.types;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

/**
 * A value of the wrong JSON type (or out of range) met while binding; the binder prefixes the field path, so
 * {@link #problem()} reads on from it: {@code must be a number, got a string}.
 */
public final class WrongType extends MismatchedInputException {

    private final String problem;

    private WrongType(JsonParser p, String problem, Class<?> target) {
        super(p, problem, target);
        this.problem = problem;
    }

    public String problem() {
        return problem;
    }

    /** The value at the parser's current token is not {@code expected} ("a string", "an integer"…). */
    static WrongType expected(JsonParser p, String expected, Class<?> target) {
        return new WrongType(p, "must be " + expected + ", got " + describe(p.currentToken()), target);
    }

    static WrongType invalid(JsonParser p, String problem, Class<?> target) {
        return new WrongType(p, problem, target);
    }

    private static String describe(JsonToken token) {
        if (token == null) return "nothing";
        return switch (token) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            default -> token.name().toLowerCase();
        };
    }
}
