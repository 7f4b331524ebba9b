package dev.bastion.api.types;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;

import java.io.IOException;

/**
 * Scalars exactly as JSON typed them: no string for a number, number for a string or string for a boolean (Jackson
 * would coerce these). Integers accept integral floats ({@code 2.0}); numbers must be finite.
 */
public final class StrictScalars extends SimpleModule {

    public StrictScalars() {
        super("bastion-strict-scalars");
        addDeserializer(String.class, new Strict<>(String.class, "a string") {
            @Override
            String read(JsonParser p) throws IOException {
                return p.currentToken() == JsonToken.VALUE_STRING ? p.getText() : null;
            }
        });
        addDeserializer(Boolean.class, new Strict<>(Boolean.class, "a boolean") {
            @Override
            Boolean read(JsonParser p) {
                return p.currentToken().isBoolean() ? p.currentToken() == JsonToken.VALUE_TRUE : null;
            }
        });
        addDeserializer(Double.class, new Strict<>(Double.class, "a number") {
            @Override
            Double read(JsonParser p) throws IOException {
                if (!p.currentToken().isNumeric()) return null;
                double d = p.getDoubleValue();
                if (!Double.isFinite(d)) throw WrongType.invalid(p, "must be finite", Double.class);
                return d;
            }
        });
        addDeserializer(Long.class, new Strict<>(Long.class, "an integer") {
            @Override
            Long read(JsonParser p) throws IOException {
                return integral(p);
            }
        });
        addDeserializer(Integer.class, new Strict<>(Integer.class, "an integer") {
            @Override
            Integer read(JsonParser p) throws IOException {
                Long v = integral(p);
                if (v != null && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) throw WrongType.invalid(p, "is out of range", Integer.class);
                return v == null ? null : v.intValue();
            }
        });
    }

    /** An integer, or an integral float; null for anything else. */
    private static Long integral(JsonParser p) throws IOException {
        if (!p.currentToken().isNumeric()) return null;
        if (p.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            if (d != Math.rint(d)) return null;
            if (d < Long.MIN_VALUE || d > Long.MAX_VALUE) throw WrongType.invalid(p, "is out of range", Long.class);
            return (long) d;
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) throw WrongType.invalid(p, "is out of range", Long.class);
        return p.getLongValue();
    }

    /** Reads one scalar type; anything {@link #read} returns null for is the wrong type. */
    private abstract static class Strict<T> extends StdScalarDeserializer<T> {
        private final String expected;

        Strict(Class<T> type, String expected) {
            super(type);
            this.expected = expected;
        }

        abstract T read(JsonParser p) throws IOException;

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            T value = read(p);
            if (value == null) throw WrongType.expected(p, expected, handledType());
            return value;
        }
    }
}
