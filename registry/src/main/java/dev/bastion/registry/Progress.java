package dev.bastion.registry;

/** Told of each step of a pull or push, in Ollama's progress shape. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (status, digest, total, completed) -> { };

    /** @param digest null for a step that is not about one blob; total and completed are 0 then */
    void update(String status, String digest, long total, long completed);
}
