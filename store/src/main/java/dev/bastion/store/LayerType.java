package dev.bastion.store;

import java.util.Arrays;
import java.util.Optional;

/** What a manifest layer holds; the media type is what is written to the manifest. */
public enum LayerType {
    CONFIG("application/vnd.bastion.model.config"),
    /** A whole GGUF model (weights, config, tokenizer, template): the manifest's config layer of a GGUF model. */
    GGUF("application/vnd.bastion.model.gguf"),
    WEIGHTS("application/vnd.bastion.model.weights"),
    TOKENIZER("application/vnd.bastion.model.tokenizer"),
    TOKENIZER_CONFIG("application/vnd.bastion.model.tokenizer-config"),
    GENERATION_CONFIG("application/vnd.bastion.model.generation-config"),
    TEMPLATE("application/vnd.bastion.model.template"),
    SYSTEM("application/vnd.bastion.model.system"),
    PARAMS("application/vnd.bastion.model.params"),
    LICENSE("application/vnd.bastion.model.license");

    private final String mediaType;

    LayerType(String mediaType) {
        this.mediaType = mediaType;
    }

    public String mediaType() {
        return mediaType;
    }

    public static Optional<LayerType> fromMediaType(String mediaType) {
        return Arrays.stream(values()).filter(t -> t.mediaType.equals(mediaType)).findFirst();
    }
}
