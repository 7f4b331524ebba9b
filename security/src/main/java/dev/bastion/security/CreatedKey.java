package dev.bastion.security;

/** A new key: {@code secret} is the full key string, shown once and never stored. */
public record CreatedKey(String secret, ApiKey key) {
    @Override
    public String toString() {
        return "CreatedKey[prefix=" + key.prefix() + "]";
    }
}
