package dev.bastion.engine.gguf;

import java.nio.file.Path;
import java.util.Map;

/** Typed reads of a GGUF file's metadata, with errors naming the key and what was expected (never the value's text). */
final class GgufMetadata {

    private final Path file;
    private final Map<String, GgufValue> values;

    GgufMetadata(Path file, Map<String, GgufValue> values) {
        this.file = file;
        this.values = values;
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    String string(String key) throws GgufException {
        GgufValue v = require(key);
        if (v.type() != GgufValueType.STRING) throw wrongType(key, "a string", v);
        return (String) v.value();
    }

    String string(String key, String fallback) throws GgufException {
        return has(key) ? string(key) : fallback;
    }

    /** Any integer type, in [min, max]. */
    long integer(String key, long min, long max) throws GgufException {
        GgufValue v = require(key);
        if (!v.type().isInteger()) throw wrongType(key, "an integer", v);
        long n = (Long) v.value();
        boolean unsignedHuge = v.type() == GgufValueType.UINT64 && n < 0;
        if (unsignedHuge || n < min || n > max) {
            throw new GgufException(file, key + " = " + (unsignedHuge ? Long.toUnsignedString(n) : n) + " is outside [" + min + ", " + max + "]");
        }
        return n;
    }

    int integer(String key, int min, int max, int fallback) throws GgufException {
        return has(key) ? (int) integer(key, min, (long) max) : fallback;
    }

    /** FLOAT32 or FLOAT64, finite. */
    float real(String key, float fallback) throws GgufException {
        if (!has(key)) return fallback;
        GgufValue v = values.get(key);
        double d = switch (v.type()) {
            case FLOAT32 -> (Float) v.value();
            case FLOAT64 -> (Double) v.value();
            default -> throw wrongType(key, "a float", v);
        };
        if (!Double.isFinite(d)) throw new GgufException(file, key + " is not a finite number");
        return (float) d;
    }

    boolean bool(String key, boolean fallback) throws GgufException {
        if (!has(key)) return fallback;
        GgufValue v = values.get(key);
        if (v.type() != GgufValueType.BOOL) throw wrongType(key, "a bool", v);
        return (Boolean) v.value();
    }

    String[] strings(String key) throws GgufException {
        GgufValue v = require(key);
        if (v.type() != GgufValueType.ARRAY || v.elementType() != GgufValueType.STRING) throw wrongType(key, "an array of strings", v);
        return (String[]) v.value();
    }

    float[] floats(String key) throws GgufException {
        GgufValue v = require(key);
        if (v.type() != GgufValueType.ARRAY || v.elementType() != GgufValueType.FLOAT32) throw wrongType(key, "an array of FLOAT32", v);
        return (float[]) v.value();
    }

    /** An array of INT32 or UINT32 (token types). */
    int[] ints(String key) throws GgufException {
        GgufValue v = require(key);
        if (v.type() != GgufValueType.ARRAY || (v.elementType() != GgufValueType.INT32 && v.elementType() != GgufValueType.UINT32)) {
            throw wrongType(key, "an array of INT32", v);
        }
        return (int[]) v.value();
    }

    private GgufValue require(String key) throws GgufException {
        GgufValue v = values.get(key);
        if (v == null) throw new GgufException(file, "metadata key " + key + " is missing");
        return v;
    }

    private GgufException wrongType(String key, String expected, GgufValue found) {
        String type = found.type() == GgufValueType.ARRAY ? "an array of " + found.elementType() : found.type().name();
        return new GgufException(file, key + " must be " + expected + ", found " + type);
    }
}
