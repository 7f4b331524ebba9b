package dev.bastion.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretBoxTest {

    @TempDir
    Path home;

    private final SecretBox box = new SecretBox(new byte[32]);
    private final byte[] aad = "user:alice".getBytes(StandardCharsets.UTF_8);

    @Test
    void roundTripsWithFreshNonces() {
        byte[] plain = "hunter2".getBytes(StandardCharsets.UTF_8);
        byte[] a = box.encrypt(plain, aad);
        byte[] b = box.encrypt(plain, aad);
        assertThat(a).isNotEqualTo(b);
        assertThat(a[0]).isEqualTo((byte) 1);
        assertThat(box.decrypt(a, aad)).isEqualTo(plain);
        assertThat(box.decryptString(box.encryptToString("s3cret", "ctx"), "ctx")).isEqualTo("s3cret");
    }

    @Test
    void everyTamperingIsDetected() {
        byte[] sealed = box.encrypt("hunter2".getBytes(StandardCharsets.UTF_8), aad);
        for (int i = 0; i < sealed.length; i++) {
            byte[] flipped = sealed.clone();
            flipped[i] ^= 0x01;
            assertThatThrownBy(() -> box.decrypt(flipped, aad)).as("byte %d", i).isInstanceOf(SecretBox.TamperedException.class);
        }
        assertThatThrownBy(() -> box.decrypt(sealed, "user:bob".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SecretBox.TamperedException.class);
        assertThatThrownBy(() -> new SecretBox(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}).decrypt(sealed, aad))
                .isInstanceOf(SecretBox.TamperedException.class);
        assertThatThrownBy(() -> box.decrypt(new byte[5], aad)).hasMessageContaining("too short");
    }

    @Test
    void keyFromEnvironment() {
        byte[] raw = new byte[32];
        raw[3] = 9;
        SecretBox fromEnv = SecretBox.load(Map.of(SecretBox.ENV_KEY, Base64.getEncoder().encodeToString(raw)), home);
        assertThat(new SecretBox(raw).decrypt(fromEnv.encrypt(new byte[] {42}, null), null)).containsExactly(42);
        assertThat(home.resolve("secret.key")).doesNotExist();
        assertThatThrownBy(() -> SecretBox.load(Map.of(SecretBox.ENV_KEY, "c2hvcnQ="), home))
                .hasMessageContaining(SecretBox.ENV_KEY).hasMessageContaining("32 bytes");
    }

    @Test
    void keyFileCreatedOwnerOnlyAndReused() throws Exception {
        SecretBox first = SecretBox.load(Map.of(), home);
        Path nested = home.resolve("new-home");
        dev.bastion.security.db.Database.openHome(nested);
        assertThat(Files.getPosixFilePermissions(nested)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        Path file = home.resolve("secret.key");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        SecretBox second = SecretBox.load(Map.of(), home);
        assertThat(second.decrypt(first.encrypt(new byte[] {1, 2}, null), null)).containsExactly(1, 2);
        assertThatThrownBy(() -> SecretBox.load(Map.of(SecretBox.ENV_KEY_FILE, home.resolve("missing").toString()), home))
                .hasMessageContaining("missing");
    }

    @Test
    void processesCreatingTheKeyFileAtOnceAllGetTheSameSecret() throws Exception {
        // serve and a CLI command starting together on a fresh home both create secret.key: none may fail or see it half-written.
        byte[] plain = {42};
        for (int round = 0; round < 10; round++) {
            Path fresh = Files.createDirectory(home.resolve("race-" + round));
            int threads = 4;
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
            List<java.util.concurrent.Future<SecretBox>> loads = new ArrayList<>();
            try (java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
                for (int t = 0; t < threads; t++) {
                    loads.add(pool.submit(() -> {
                        start.await();
                        return SecretBox.load(Map.of(), fresh);
                    }));
                }
            }
            byte[] sealed = loads.getFirst().get().encrypt(plain, null);
            for (java.util.concurrent.Future<SecretBox> load : loads) {
                assertThat(load.get().decrypt(sealed, null)).as("round %d", round).containsExactly(plain);
            }
            assertThat(Files.getPosixFilePermissions(fresh.resolve("secret.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            try (java.util.stream.Stream<Path> left = Files.list(fresh)) {
                assertThat(left).as("no temporary files left").containsExactly(fresh.resolve("secret.key"));
            }
        }
    }

    @Test
    void hkdfIsRfc5869ExtractThenExpandBoundToItsPurpose() throws Exception {
        byte[] secret = new byte[32];
        for (int i = 0; i < secret.length; i++) secret[i] = (byte) (i * 7 + 1);
        SecretBox box = new SecretBox(secret);
        // HKDF by hand (RFC 5869): PRK = HMAC(salt, IKM); OKM = T(1) = HMAC(PRK, info || 0x01), 32 bytes is one block
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec("bastion".getBytes(java.nio.charset.StandardCharsets.US_ASCII), "HmacSHA256"));
        byte[] prk = mac.doFinal(secret);
        mac.init(new javax.crypto.spec.SecretKeySpec(prk, "HmacSHA256"));
        mac.update("bastion/model-blob-kek-v1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] expected = mac.doFinal(new byte[] {1});

        org.assertj.core.api.Assertions.assertThat(box.hkdf("bastion/model-blob-kek-v1")).isEqualTo(expected);
        org.assertj.core.api.Assertions.assertThat(box.hkdf("another use")).isNotEqualTo(expected).hasSize(32);
        secret[0] ^= 1;
        org.assertj.core.api.Assertions.assertThat(new SecretBox(secret).hkdf("bastion/model-blob-kek-v1")).isNotEqualTo(expected);
    }
}
