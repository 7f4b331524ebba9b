package dev.bastion.cluster.pki;

import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.CertException;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * The revoked serials a node refuses, from the CA-signed {@code crl.pem} in its bundle. The file is re-read when it
 * changes, so revoking takes effect when the new list is copied over, without a restart. Because the CA signs it, the
 * list may travel by any channel; a list that fails verification refuses every peer (fail closed) until it is fixed,
 * and an older list (lower CRL number) never replaces a newer one, so revocations cannot be rolled back.
 */
final class RevocationList {

    private static final Logger LOG = LoggerFactory.getLogger(RevocationList.class);

    private final Path file;
    private final X509Certificate ca;
    private State state;

    private record State(X509CRLHolder crl, BigInteger number, Object fileKey, String error) {
    }

    RevocationList(Path file, X509Certificate ca) {
        this.file = file;
        this.ca = ca;
        X509CRLHolder crl = verify(Pem.crl(Pem.read(file), file), ca, file);
        this.state = new State(crl, number(crl, file), fileKey(), null);
    }

    /** Throws if {@code serial} is revoked, or if the list on disk can no longer be trusted. */
    synchronized void check(BigInteger serial) throws CertificateException {
        refresh();
        if (state.error != null) {
            throw new CertificateException(state.error);
        }
        if (state.crl.getRevokedCertificate(serial) != null) {
            throw new CertificateException("certificate " + serial.toString(16).toUpperCase(java.util.Locale.ROOT)
                    + " has been revoked by the cluster CA");
        }
    }

    /** Changes (by identity) whenever the list in use is re-read from disk: a new list, a replaced or broken file. */
    synchronized Object generation() {
        refresh();
        return state;
    }

    synchronized boolean isRevoked(BigInteger serial) {
        return state.crl.getRevokedCertificate(serial) != null;
    }

    private void refresh() {
        Object key = fileKey();
        if (Objects.equals(key, state.fileKey)) {
            return;
        }
        try {
            X509CRLHolder crl = verify(Pem.crl(Pem.read(file), file), ca, file);
            BigInteger number = number(crl, file);
            if (number.compareTo(state.number) < 0) {
                LOG.warn("ignoring {}: CRL number {} is older than the one in use ({})", file, number, state.number);
                state = new State(state.crl, state.number, key, null);
            } else {
                state = new State(crl, number, key, null);
            }
        } catch (IllegalStateException e) {
            LOG.error("revocation list unusable, refusing all peers until it is fixed: {}", e.getMessage());
            state = new State(state.crl, state.number, key, "the cluster revocation list " + file + " is unusable");
        }
    }

    /** Modification time, size and inode: a replaced or rewritten file looks different. */
    private Object fileKey() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return java.util.List.of(attributes.lastModifiedTime(), attributes.size(), String.valueOf(attributes.fileKey()));
        } catch (IOException e) {
            return "missing";
        }
    }

    /** Checks that {@code crl} was issued and signed by {@code ca}. */
    static X509CRLHolder verify(X509CRLHolder crl, X509Certificate ca, Path source) {
        try {
            X509CertificateHolder caHolder = new X509CertificateHolder(ca.getEncoded());
            if (!crl.getIssuer().equals(caHolder.getSubject())
                    || !crl.isSignatureValid(new JcaContentVerifierProviderBuilder().build(caHolder))) {
                throw new IllegalStateException(source + " is not signed by the cluster CA (tampered, or from another cluster)");
            }
            return crl;
        } catch (CertException | OperatorCreationException | CertificateException | IOException e) {
            throw new IllegalStateException(source + " is not signed by the cluster CA (tampered, or from another cluster)");
        }
    }

    private static BigInteger number(X509CRLHolder crl, Path source) {
        Extension extension = crl.getExtension(Extension.cRLNumber);
        if (extension == null) {
            throw new IllegalStateException(source + " has no CRL number");
        }
        return CRLNumber.getInstance(extension.getParsedValue()).getCRLNumber();
    }
}
