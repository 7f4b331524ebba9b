package dev.bastion.security;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/** Request ids: a client's {@code X-Request-Id} is kept only if it is short and plain (no header/log injection). */
public final class RequestIds {

    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestIds() {
    }

    public static String resolve(String clientValue) {
        return clientValue != null && ACCEPTED.matcher(clientValue).matches() ? clientValue : generate();
    }

    /** 128 random bits, URL-safe (22 chars). */
    public static String generate() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
