package dev.bastion.store;

import dev.bastion.engine.format.ModelFiles;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model with encrypted blobs, as the engine reads it: each file decrypted into memory when it is read or mapped
 * (into the caller's arena, so the weights live off-heap exactly as long as the engine keeps them), never written
 * anywhere in clear. Blobs in clear among them are hash-checked, then mapped.
 */
final class DecryptedModelFiles implements ModelFiles {

    /** Small files (configs, tokenizers) are read whole onto the heap: bounded. */
    private static final long MAX_READ = 256L << 20;

    private final ModelStore store;
    private final ModelName name;
    private final Path path;
    private final Map<String, Layer> layers = new LinkedHashMap<>();

    DecryptedModelFiles(ModelStore store, ModelName name, Manifest manifest) {
        this.store = store;
        this.name = name;
        // messages name the model, never where the store keeps it
        this.path = Path.of(name.namespace(), name.name() + ":" + name.tag());
        for (Layer layer : manifest.allLayers()) layers.put(layer.fileName(), layer);
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public List<String> names() {
        return List.copyOf(layers.keySet());
    }

    @Override
    public boolean has(String file) {
        return layers.containsKey(file);
    }

    @Override
    public long size(String file) throws IOException {
        return layer(file).size();
    }

    @Override
    public byte[] read(String file) throws IOException {
        Layer layer = layer(file);
        if (layer.size() > MAX_READ) throw new IOException(path.resolve(file) + " is too large to read whole (" + layer.size() + " bytes)");
        try (Arena arena = Arena.ofConfined()) {
            return map(file, arena).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    @Override
    public MemorySegment map(String file, Arena arena) throws IOException {
        Layer layer = layer(file);
        try {
            if (!store.isEncrypted(layer)) {
                store.verifyPlainBlob(name, layer);
                try (FileChannel channel = FileChannel.open(store.blobFile(layer), StandardOpenOption.READ)) {
                    return layer.size() == 0 ? MemorySegment.ofArray(new byte[0])
                            : channel.map(FileChannel.MapMode.READ_ONLY, 0, layer.size(), arena);
                }
            }
            MemorySegment target = arena.allocate(layer.size(), 4096);
            store.decryptInto(layer, target);
            return target.asReadOnly();
        } catch (InvalidModelException e) {
            if (!store.isEncrypted(layer)) throw new InvalidModelException("model '" + name + "': " + e.getMessage(), e);
            throw new UndecryptableModelException(name, "model '" + name + "': " + e.getMessage(), e);
        }
    }

    private Layer layer(String file) throws NoSuchFileException {
        Layer layer = layers.get(file);
        if (layer == null) throw new NoSuchFileException(path.resolve(file).toString());
        return layer;
    }
}
