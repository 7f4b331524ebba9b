package dev.bastion.web.files;

import java.time.Instant;

/** An uploaded file as the database keeps it; its bytes are {@code name} in the owner's workspace. */
public record StoredFile(String id, String name, String mediaType, long size, Instant createdAt) {
}
