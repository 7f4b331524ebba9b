package dev.bastion.web;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Semaphore;

/**
 * Argon2id (Bouncy Castle) with OWASP's minimum recommendation: m=19 MiB, t=2, p=1, a 16-byte random salt and a
 * 32-byte tag. Stored in the PHC string format ({@code $argon2id$v=19$m=19456,t=2,p=1$salt$tag}) so the parameters
 * can be raised later without invalidating existing hashes.
 */
public final class PasswordHasher {

    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    private static final int SALT_BYTES = 16;
    private static final int TAG_BYTES = 32;
    /** Longer passwords are refused before hashing: Argon2 accepts any length, a megabyte "password" is a DoS. */
    public static final int MAX_PASSWORD_CHARS = 1024;
    public static final int MIN_PASSWORD_CHARS = 12;

    /**
     * Each hash takes 19 MiB for tens of milliseconds: bounding how many run at once keeps a flood of sign-ins from
     * many addresses (each within its rate limit) from exhausting the heap.
     */
    private static final Semaphore CONCURRENT = new Semaphore(Math.max(2, Runtime.getRuntime().availableProcessors()), true);

    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private final SecureRandom random = new SecureRandom();

    public String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] tag = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, TAG_BYTES);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(tag);
    }

    /** Constant-time comparison of the derived tag; a malformed stored hash never matches. */
    public boolean verify(String password, String stored) {
        if (password == null || password.length() > MAX_PASSWORD_CHARS || stored == null) return false;
        String[] parts = stored.split("\\$");
        if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) return false;
        try {
            int m = 0, t = 0, p = 0;
            for (String kv : parts[3].split(",")) {
                String[] pair = kv.split("=", 2);
                int value = Integer.parseInt(pair[1]);
                switch (pair[0]) {
                    case "m" -> m = value;
                    case "t" -> t = value;
                    case "p" -> p = value;
                    default -> { return false; }
                }
            }
            byte[] salt = B64D.decode(parts[4]);
            byte[] expected = B64D.decode(parts[5]);
            if (m < 8 || m > 1 << 20 || t < 1 || t > 16 || p < 1 || p > 16 || expected.length < 16) return false;
            return MessageDigest.isEqual(derive(password, salt, m, t, p, expected.length), expected);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static byte[] derive(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        CONCURRENT.acquireUninterruptibly();
        try {
            return argon2id(password, salt, memoryKib, iterations, parallelism, length);
        } finally {
            CONCURRENT.release();
        }
    }

    private static byte[] argon2id(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib).withIterations(iterations).withParallelism(parallelism).withSalt(salt).build());
        byte[] out = new byte[length];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
