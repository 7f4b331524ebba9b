package dev.bastion.store;

import dev.bastion.engine.format.GgufFormat;
import dev.bastion.engine.gguf.GgufCheckpoint;
import dev.bastion.engine.gguf.GgufFileType;
import dev.bastion.engine.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Path;

/** What {@code show} and {@code list} report about a stored GGUF model, read from its (validated) header. */
record GgufSummary(ModelConfig config, long parameterCount, String fileType) {

    static GgufSummary read(ModelName name, Path blob) throws IOException {
        try (GgufCheckpoint checkpoint = (GgufCheckpoint) new GgufFormat().read(blob)) {
            return new GgufSummary(checkpoint.config(), checkpoint.parameterCount(), GgufFileType.of(checkpoint.file()));
        } catch (IOException | RuntimeException e) {
            throw new InvalidModelException("model '" + name + "': its GGUF blob is invalid: " + e.getMessage(), e);
        }
    }

    /** The file type, or null when the blob cannot be read (a listing still shows the model). */
    static String fileTypeOrNull(Path blob) {
        try (GgufCheckpoint checkpoint = (GgufCheckpoint) new GgufFormat().read(blob)) {
            return GgufFileType.of(checkpoint.file());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
