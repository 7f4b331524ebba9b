package dev.bastion.engine;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Describes a JSON syntax error by position only. Jackson's own messages quote the offending token, which for a file
 * that is not JSON at all (a key, a password file) would put its content into an error shown to users.
 */
public final class JsonErrors {
    private JsonErrors() {}

    /** {@code "not valid JSON at line 3, column 7"}, with {@code ": duplicate field"} when that is the problem. */
    public static String describe(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        String original = e.getOriginalMessage();
        boolean duplicate = original != null && original.startsWith("Duplicate field");
        return "not valid JSON" + where + (duplicate ? ": duplicate field" : "");
    }
}
