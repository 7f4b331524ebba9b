package dev.bastion.cluster.pki;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;

/** A node certificate the cluster CA issued, and the bundle directory it was written to. */
public record IssuedNode(String name, BigInteger serial, Instant notAfter, Path bundle) {

    /** The serial as it appears in the CA's index and in {@code openssl x509 -serial}: upper-case hex. */
    public String serialHex() {
        return serial.toString(16).toUpperCase(java.util.Locale.ROOT);
    }
}
