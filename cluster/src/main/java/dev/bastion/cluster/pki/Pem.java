package dev.bastion.cluster.pki;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/** PEM in and out (bcpkix), with errors that name the file and what was expected — never the content. */
final class Pem {

    private Pem() {
    }

    static String encode(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            // Private keys as PKCS#8 ("BEGIN PRIVATE KEY"), not the SEC1 form JcaPEMWriter picks for EC keys.
            if (object instanceof PrivateKey key) {
                writer.writeObject(new JcaPKCS8Generator(key, null));
            } else {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode PEM", e);
        }
        return text.toString();
    }

    static byte[] encodeBytes(Object object) {
        return encode(object).getBytes(StandardCharsets.US_ASCII);
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException(file + " is missing");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static X509Certificate certificate(String pem, Path source) {
        Object parsed = single(pem, source, "a certificate");
        if (!(parsed instanceof X509CertificateHolder holder)) {
            throw new IllegalStateException(source + " is not a PEM certificate");
        }
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new IllegalStateException(source + " holds a malformed certificate");
        }
    }

    static X509CRLHolder crl(String pem, Path source) {
        Object parsed = single(pem, source, "a certificate revocation list");
        if (!(parsed instanceof X509CRLHolder holder)) {
            throw new IllegalStateException(source + " is not a PEM certificate revocation list");
        }
        return holder;
    }

    static PrivateKey privateKey(String pem, Path source) {
        Object parsed = single(pem, source, "a private key");
        if (!(parsed instanceof PrivateKeyInfo info)) {
            throw new IllegalStateException(source + " is not an unencrypted PKCS#8 PEM private key");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(source + " holds a malformed private key");
        }
    }

    /** Exactly one PEM object: trailing extra objects are refused rather than silently ignored. */
    private static Object single(String pem, Path source, String expected) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object first = parser.readObject();
            if (first == null) {
                throw new IllegalStateException(source + " does not hold " + expected + " in PEM form");
            }
            if (parser.readObject() != null) {
                throw new IllegalStateException(source + " holds more than one PEM object");
            }
            return first;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalStateException mine && mine.getMessage().startsWith(source.toString())) {
                throw mine;
            }
            throw new IllegalStateException(source + " is corrupt: not valid PEM holding " + expected);
        }
    }
}
