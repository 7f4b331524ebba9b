package dev.bastion.web.account;

import org.bouncycastle.util.encoders.Base32;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Time-based one-time passwords as authenticator apps make them: RFC 6238 over RFC 4226's HOTP with HMAC-SHA1,
 * 6 digits, 30-second steps, accepting one step either side for clock drift. The JDK's HMAC is all it needs.
 */
public final class Totp {

    public static final int DIGITS = 6;
    public static final long STEP_MILLIS = 30_000;
    /** Steps accepted either side of the current one (a phone's clock a little off, a code typed at the boundary). */
    static final int DRIFT_STEPS = 1;
    static final int SECRET_BYTES = 20;
    private static final Pattern CODE = Pattern.compile("[0-9]{" + DIGITS + "}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private Totp() {
    }

    /** RFC 4226 section 5.3: HMAC-SHA1 of the counter, dynamically truncated to {@code digits} decimal digits. */
    static String hotp(byte[] key, long counter, int digits) {
        byte[] hash;
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
            hash = mac.doFinal(java.nio.ByteBuffer.allocate(8).putLong(counter).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA1 unavailable", e);
        }
        int offset = hash[hash.length - 1] & 0x0f;
        int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
                | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
        int otp = (int) (binary % (long) Math.pow(10, digits));
        return String.format("%0" + digits + "d", otp);
    }

    /** The code an authenticator app shows at epoch millisecond {@code millis} for this Base32 secret. */
    public static String codeAt(String base32Secret, long millis) {
        return hotp(decodeSecret(base32Secret), stepAt(millis), DIGITS);
    }

    /** The time step (RFC 6238's T, with T0 = 0) at epoch millisecond {@code millis}. */
    public static long stepAt(long millis) {
        return Math.floorDiv(millis, STEP_MILLIS);
    }

    /**
     * The step, within {@link #DRIFT_STEPS} of now, whose code this is; empty for a wrong or malformed code. Every
     * candidate is compared in constant time, so the answer's timing tells nothing about near misses.
     */
    public static OptionalLong matchingStep(byte[] key, String code, long nowMillis) {
        if (code == null || !CODE.matcher(code).matches()) return OptionalLong.empty();
        byte[] given = code.getBytes(StandardCharsets.US_ASCII);
        long now = stepAt(nowMillis);
        long found = Long.MIN_VALUE;
        for (long step = now - DRIFT_STEPS; step <= now + DRIFT_STEPS; step++) {
            if (MessageDigest.isEqual(hotp(key, step, DIGITS).getBytes(StandardCharsets.US_ASCII), given)) found = step;
        }
        return found == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(found);
    }

    /** 20 random bytes (HMAC-SHA1's block-sized key, RFC 4226's recommendation) as unpadded Base32. */
    public static String newSecret() {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return Base32.toBase32String(secret).replace("=", "");
    }

    public static byte[] decodeSecret(String base32) {
        String padded = base32 + "=".repeat((8 - base32.length() % 8) % 8);
        return Base32.decode(padded);
    }

    /** The Key URI format authenticator apps read from a QR code. */
    public static String otpauthUri(String issuer, String account, String secret) {
        String label = encode(issuer) + ":" + encode(account);
        return "otpauth://totp/" + label + "?secret=" + secret + "&issuer=" + encode(issuer)
                + "&algorithm=SHA1&digits=" + DIGITS + "&period=" + STEP_MILLIS / 1000;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
