package dev.bastion.api.types;

/** A progress line of {@code /api/create} (only the final {@code success} here). */
public record ProgressResponse(String status) {

    public static final ProgressResponse SUCCESS = new ProgressResponse("success");
}
