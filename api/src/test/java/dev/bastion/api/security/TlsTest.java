package dev.bastion.api.security;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsTest {

    @TempDir
    static Path dir;
    private static Path cert;
    private static Path key;
    private static Certificate certificate;

    @BeforeAll
    static void generate() throws Exception {
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        certificate = writePemPair(cert, key);
    }

    /** Generates a self-signed certificate with the JDK's keytool and writes it out as PEM files. */
    private static Certificate writePemPair(Path certPem, Path keyPem) throws Exception {
        Path p12 = dir.resolve("gen.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "t", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes())).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, "changeit".toCharArray());
        }
        Certificate cert = store.getCertificate("t");
        PrivateKey key = (PrivateKey) store.getKey("t", "changeit".toCharArray());
        Base64.Encoder mime = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(certPem, "-----BEGIN CERTIFICATE-----\n" + mime.encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n" + mime.encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return cert;
    }

    @Test
    void servesHttpsFromPemFilesWithHsts() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);

        try (SecuredApp s = new SecuredApp(dir.resolve("home"), SecurityConfig.defaults().withTls(cert, key),
                HttpClient.newBuilder().sslContext(ssl).build())) {
            HttpResponse<String> r = s.get("/");
            assertThat(r.uri().getScheme()).isEqualTo("https");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Strict-Transport-Security")).hasValueSatisfying(v -> assertThat(v).contains("max-age="));
        }
    }

    @Test
    void wrongKeyFormatsAreExplained() throws Exception {
        Path pkcs1 = dir.resolve("rsa.pem");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> PemKeyStore.load(cert, pkcs1, "x".toCharArray()))
                .hasMessageContaining(pkcs1.toString()).hasMessageContaining("openssl pkcs8");
        assertThatThrownBy(() -> PemKeyStore.load(key, key, "x".toCharArray()))
                .hasMessageContaining(key.toString());
        assertThat(PemKeyStore.load(cert, key, "x".toCharArray()).isKeyEntry(PemKeyStore.ALIAS)).isTrue();
    }
}
