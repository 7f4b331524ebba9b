package dev.bastion.engine.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/** A SafeTensors file or model directory that is malformed or inconsistent; the message names the file and tensor. */
public class SafeTensorsException extends IOException {

    public SafeTensorsException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public SafeTensorsException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }

    static SafeTensorsException forTensor(Path file, String tensor, String problem) {
        return new SafeTensorsException(file, "tensor \"" + tensor + "\": " + problem);
    }
}
