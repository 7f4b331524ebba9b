package dev.bastion.web.files;

import dev.bastion.api.ApiException;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.io.MemoryUsageSetting;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What an upload is, judged by its bytes, never by its name or the client's content type: a PDF (starts with
 * {@code %PDF-} and PDFBox can open it) or text (valid UTF-8 without NUL bytes). Everything else is refused,
 * archives included: a chat can only read text, and an archive's expansion (zip bombs) would need limits of its own.
 */
enum FileTypes {
    TEXT("text/plain"),
    PDF("application/pdf");

    /** The most memory PDFBox may use for one document's streams. */
    private static final long PDF_MEMORY = 64L << 20;
    /** Pages read for an attachment's text; the text is capped by the caller as well. */
    private static final int PDF_PAGES = 200;

    final String mediaType;

    FileTypes(String mediaType) {
        this.mediaType = mediaType;
    }

    static FileTypes detect(byte[] content) {
        if (startsWith(content, "%PDF-")) {
            try (PDDocument ignored = load(content)) {
                return PDF;
            } catch (IOException | RuntimeException e) {
                throw unsupported("the file starts like a PDF but is not one PDFBox can read");
            }
        }
        if (utf8(content) != null) return TEXT;
        throw unsupported("only UTF-8 text files and PDFs are accepted (archives, images and programs are not)");
    }

    /** The text a chat may read from {@code content}, of a file that was detected as this type; null if unreadable. */
    String text(byte[] content) {
        if (this == TEXT) return utf8(content);
        try (PDDocument document = load(content)) {
            PDFTextStripper stripper = new PDFTextStripper();
            stripper.setEndPage(PDF_PAGES);
            return stripper.getText(document);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static PDDocument load(byte[] content) throws IOException {
        return Loader.loadPDF(content, "", null, null, MemoryUsageSetting.setupMainMemoryOnly(PDF_MEMORY).streamCache);
    }

    /** Strict UTF-8 (a byte-order mark is dropped), or null: malformed, or binary (a NUL byte). */
    static String utf8(byte[] content) {
        for (byte b : content) if (b == 0) return null;
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean startsWith(byte[] content, String magic) {
        byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
        if (content.length < m.length) return false;
        for (int i = 0; i < m.length; i++) if (content[i] != m[i]) return false;
        return true;
    }

    private static ApiException unsupported(String message) {
        return new ApiException(415, message, "file");
    }
}
