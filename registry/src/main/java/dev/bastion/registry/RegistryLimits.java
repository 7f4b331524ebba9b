package dev.bastion.registry;

import java.time.Duration;

/**
 * What a transfer accepts from a registry, so a hostile one cannot exhaust memory, disk or time.
 *
 * @param maxManifestBytes  a manifest larger than this is refused while it is read
 * @param maxLayers         layers (config included) one manifest may list
 * @param maxLayerBytes     the size one layer may declare; checked before a byte of it is fetched
 * @param connectTimeout    to open a connection and to get a response's headers
 * @param minBytesPerSecond a body must arrive at least this fast on average (after a grace of {@code connectTimeout}),
 *                          else the transfer is cut: a slow drip ends in bounded time
 */
public record RegistryLimits(long maxManifestBytes, int maxLayers, long maxLayerBytes, Duration connectTimeout,
                             long minBytesPerSecond) {

    public static final RegistryLimits DEFAULTS = new RegistryLimits(4L << 20, 64, 256L << 30, Duration.ofSeconds(30), 64 << 10);

    /** How long a body of {@code bytes} may take. */
    Duration deadline(long bytes) {
        return connectTimeout.plusSeconds(Math.max(1, bytes / Math.max(1, minBytesPerSecond)));
    }
}
