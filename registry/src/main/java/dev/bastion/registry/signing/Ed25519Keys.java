package dev.bastion.registry.signing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Ed25519 with the JDK's provider: key pairs, PEM public keys (SubjectPublicKeyInfo), key ids, signing and verifying. */
public final class Ed25519Keys {

    private static final Pattern PEM = Pattern.compile(
            "\\A\\s*-----BEGIN PUBLIC KEY-----\\s*([A-Za-z0-9+/=\\s]{1,4096}?)\\s*-----END PUBLIC KEY-----\\s*\\z");

    private Ed25519Keys() {}

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK must provide Ed25519", e);
        }
    }

    /** sha256 of the key's DER SubjectPublicKeyInfo, lower-case hex: what an envelope's {@code keyid} names. */
    public static String keyId(PublicKey key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String toPem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }

    /** @throws IllegalArgumentException unless {@code pem} is one Ed25519 public key in PEM */
    public static PublicKey fromPem(String pem) {
        Matcher m = PEM.matcher(pem);
        if (!m.matches()) throw new IllegalArgumentException("not a PEM public key (-----BEGIN PUBLIC KEY-----)");
        try {
            return publicKey(Base64.getMimeDecoder().decode(m.group(1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 public key");
        }
    }

    /** @throws IllegalArgumentException unless {@code der} is an Ed25519 SubjectPublicKeyInfo */
    public static PublicKey publicKey(byte[] der) {
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
            if (!"EdDSA".equals(key.getAlgorithm()) && !"Ed25519".equals(key.getAlgorithm())) throw new IllegalArgumentException("not Ed25519");
            return key;
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("not an Ed25519 public key");
        }
    }

    public static PrivateKey privateKey(byte[] pkcs8) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 private key");
        }
    }

    public static byte[] sign(PrivateKey key, byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** False for a wrong or malformed signature; never throws for hostile input. */
    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        if (signature.length != 64) return false;
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
