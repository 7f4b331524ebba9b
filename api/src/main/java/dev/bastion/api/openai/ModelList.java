package dev.bastion.api.openai;

import java.util.List;

/** {@code /v1/models}' reply. */
public record ModelList(String object, List<Model> data) {}
