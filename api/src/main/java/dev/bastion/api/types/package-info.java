/**
 * Ollama's wire types, as Jackson-bound records (the counterpart of Ollama's {@code api/types.go}). Requests bind
 * strictly: a scalar of the wrong JSON type is a 400 naming the field ({@link dev.bastion.api.JsonFields#read}),
 * unknown fields are ignored. Responses leave out absent ({@code null}) fields.
 */
package dev.bastion.api.types;
