package dev.bastion.api.types;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A string or an array of strings, as a list (Ollama's and OpenAI's {@code stop}, embedding {@code input}…). */
public final class StringOrStrings extends StdDeserializer<List<String>> {

    private static final String EXPECTED = "a string or an array of strings";

    public StringOrStrings() {
        super(List.class);
    }

    @Override
    public List<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) return List.of(p.getText());
        if (p.currentToken() != JsonToken.START_ARRAY) throw WrongType.expected(p, EXPECTED, List.class);
        List<String> out = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_STRING) throw WrongType.expected(p, EXPECTED, List.class);
            out.add(p.getText());
        }
        return List.copyOf(out);
    }
}
