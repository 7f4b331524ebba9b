package dev.bastion.cluster.pki;

import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Trusts a peer only if it is a current node of this cluster: the JDK's PKIX validation with the cluster CA as the
 * sole anchor (signature, validity, key usage, and — when the caller asked for it — the host name against the SAN),
 * and on top: TLS 1.3, a chain of the node certificate alone (or followed by the CA itself), an end-entity certificate
 * with the extended key usage for its side, a well-formed node name as its only subject, and a serial not on the CA's
 * revocation list.
 */
final class ClusterTrustManager extends X509ExtendedTrustManager {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    private final X509Certificate ca;
    private final X509ExtendedTrustManager pkix;
    private final RevocationList revocations;

    ClusterTrustManager(X509Certificate ca, RevocationList revocations) {
        this.ca = ca;
        this.revocations = revocations;
        this.pkix = pkix(ca);
    }

    private static X509ExtendedTrustManager pkix(X509Certificate ca) {
        try {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            anchors.setCertificateEntry("cluster-ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager extended) {
                    return extended;
                }
            }
            throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build the cluster trust manager", e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        requireTls13(socket instanceof SSLSocket ssl ? ssl.getHandshakeSession() : null);
        checkShape(chain, CLIENT_AUTH, "client");
        pkix.checkClientTrusted(chain, authType, socket);
        revocations.check(chain[0].getSerialNumber());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        requireTls13(engine == null ? null : engine.getHandshakeSession());
        checkShape(chain, CLIENT_AUTH, "client");
        pkix.checkClientTrusted(chain, authType, engine);
        revocations.check(chain[0].getSerialNumber());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkShape(chain, CLIENT_AUTH, "client");
        pkix.checkClientTrusted(chain, authType);
        revocations.check(chain[0].getSerialNumber());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        requireTls13(socket instanceof SSLSocket ssl ? ssl.getHandshakeSession() : null);
        checkShape(chain, SERVER_AUTH, "server");
        pkix.checkServerTrusted(chain, authType, socket);
        revocations.check(chain[0].getSerialNumber());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        requireTls13(engine == null ? null : engine.getHandshakeSession());
        checkShape(chain, SERVER_AUTH, "server");
        pkix.checkServerTrusted(chain, authType, engine);
        revocations.check(chain[0].getSerialNumber());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkShape(chain, SERVER_AUTH, "server");
        pkix.checkServerTrusted(chain, authType);
        revocations.check(chain[0].getSerialNumber());
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {ca};
    }

    /** Refuses a handshake below TLS 1.3 even if a caller enabled older protocols on its socket. */
    private static void requireTls13(SSLSession handshake) throws CertificateException {
        if (handshake != null && !"TLSv1.3".equals(handshake.getProtocol())) {
            throw new CertificateException("cluster peers must use TLS 1.3, not " + handshake.getProtocol());
        }
    }

    private void checkShape(X509Certificate[] chain, String usage, String side) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the " + side + " presented no certificate");
        }
        if (chain.length > 2 || chain.length == 2 && !chain[1].equals(ca)) {
            throw new CertificateException("the " + side + " certificate was not issued directly by the cluster CA");
        }
        X509Certificate leaf = chain[0];
        if (leaf.getBasicConstraints() != -1) {
            throw new CertificateException("the " + side + " presented a CA certificate, not a node certificate");
        }
        List<String> usages;
        try {
            usages = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new CertificateException("the " + side + " certificate has a malformed extended key usage");
        }
        if (usages == null || !usages.contains(usage)) {
            throw new CertificateException("the " + side + " certificate is not issued for node-to-node TLS");
        }
        nodeName(leaf);
    }

    /** The node name a certificate states: its subject must be exactly one CN that is a valid node name. */
    static String nodeName(X509Certificate certificate) throws CertificateException {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] rdns = subject.getRDNs();
        if (rdns.length != 1 || rdns[0].isMultiValued() || !rdns[0].getFirst().getType().equals(BCStyle.CN)) {
            throw new CertificateException("the certificate subject is not a single node name (CN)");
        }
        try {
            return NodeName.require(IETFUtils.valueToString(rdns[0].getFirst().getValue()));
        } catch (IllegalArgumentException e) {
            throw new CertificateException("the certificate subject is not a valid node name");
        }
    }
}
