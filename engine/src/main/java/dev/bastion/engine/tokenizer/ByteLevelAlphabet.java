package dev.bastion.engine.tokenizer;

import java.nio.charset.StandardCharsets;

/** GPT-2's reversible byte↔printable-character mapping, so that BPE can work on text made of any bytes. */
final class ByteLevelAlphabet {

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevelAlphabet() {}

    /** The 256 byte characters in GPT-2's vocabulary order (printable bytes first, then the remapped ones). */
    static String[] gpt2Order() {
        String[] out = new String[256];
        int i = 0;
        for (int c = 0; c < 512; c++) if (CHAR_TO_BYTE[c] >= 0) out[i++] = String.valueOf((char) c);
        return out;
    }

    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /** Appends the bytes a token stands for; a token containing a char outside the alphabet is taken as raw UTF-8, like HF. */
    static void decodeInto(String token, java.io.ByteArrayOutputStream out) {
        byte[] mapped = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                out.writeBytes(token.getBytes(StandardCharsets.UTF_8));
                return;
            }
            mapped[i] = (byte) b;
        }
        out.writeBytes(mapped);
    }
}
