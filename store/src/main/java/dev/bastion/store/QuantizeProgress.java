package dev.bastion.store;

/** Hears how far {@link ModelStore#createQuantized} is: tensors quantized so far out of all (for a streamed status). */
@FunctionalInterface
public interface QuantizeProgress {

    QuantizeProgress NONE = (done, total) -> {};

    void tensors(int done, int total);
}
