package dev.bastion.security;

import java.time.Instant;

public record User(long id, String name, Role role, Instant createdAt, boolean disabled) {
}
