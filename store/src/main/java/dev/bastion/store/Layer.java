package dev.bastion.store;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.regex.Pattern;

/**
 * One file of a model: its content lives in {@code blobs/sha256-<hex>}, {@code fileName} is the name it gets when the
 * model is materialized for the engine. Manifests are read back from disk, so every field is validated.
 *
 * @param digest {@code sha256:<64 lowercase hex>}
 */
public record Layer(String mediaType, String digest, long size, String fileName) {

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,254}");

    public Layer {
        if (mediaType == null || LayerType.fromMediaType(mediaType).isEmpty()) {
            throw new IllegalArgumentException("layer has unknown mediaType '" + mediaType + "'");
        }
        if (digest == null || !DIGEST.matcher(digest).matches()) {
            throw new IllegalArgumentException("layer digest '" + digest + "' is not of the form sha256:<64 hex>");
        }
        if (size < 0) throw new IllegalArgumentException("layer " + digest + " has negative size " + size);
        if (fileName == null || !FILE_NAME.matcher(fileName).matches() || fileName.contains("..")) {
            throw new IllegalArgumentException("layer " + digest + " has an unsafe fileName '" + fileName + "'");
        }
    }

    @JsonIgnore
    public LayerType type() {
        return LayerType.fromMediaType(mediaType).orElseThrow();
    }

    /** The 64 hex digits of the digest. */
    @JsonIgnore
    public String hex() {
        return digest.substring("sha256:".length());
    }
}
