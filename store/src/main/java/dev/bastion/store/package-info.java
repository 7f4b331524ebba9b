/**
 * The model store: {@code blobs/sha256-<hex>} content-addressed files, {@code manifests/<namespace>/<name>/<tag>}
 * JSON manifests and {@code runtime/<manifest digest>/} verified directories the engine loads; see {@link dev.bastion.store.ModelStore}.
 */
package dev.bastion.store;
