package dev.bastion.api.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds an in-memory KeyStore from a PEM certificate chain and an unencrypted PKCS#8 PEM private key. */
public final class PemKeyStore {

    public static final String ALIAS = "bastion";
    private static final Pattern PKCS8 =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private PemKeyStore() {
    }

    public static KeyStore load(Path certFile, Path keyFile, char[] password) {
        try {
            Collection<? extends Certificate> chain;
            try (ByteArrayInputStream in = new ByteArrayInputStream(Files.readAllBytes(certFile))) {
                chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("TLS certificate " + certFile + " is not a PEM X.509 certificate: "
                        + e.getMessage(), e);
            }
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("TLS certificate file " + certFile + " contains no certificate");
            }
            PrivateKey key = readPrivateKey(keyFile);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, password, chain.toArray(Certificate[]::new));
            return store;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read TLS file: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS key " + keyFile + " does not fit certificate " + certFile + ": "
                    + e.getMessage(), e);
        }
    }

    private static PrivateKey readPrivateKey(Path keyFile) throws IOException {
        String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        Matcher m = PKCS8.matcher(pem);
        if (!m.find()) {
            throw new IllegalArgumentException("TLS key " + keyFile + " must be an unencrypted PKCS#8 PEM key"
                    + " (-----BEGIN PRIVATE KEY-----); convert with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException wrongAlgorithm) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("TLS key " + keyFile + " is not an RSA, EC or EdDSA PKCS#8 key");
    }
}
