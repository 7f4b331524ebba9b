package dev.bastion.engine.tensor;

/**
 * Per-thread buffers of prefill's tiles (the pool's threads multiply many matrices, so nothing is allocated per call):
 * an F32 tile of weight rows, grown to the largest asked for on the thread, and a register tile's accumulators.
 */
final class Scratch {

    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

    float[] tile = new float[0];
    final float[] accumulators = new float[TileKernels.scratchSize()];

    private Scratch() {}

    /** This thread's scratch, its tile at least {@code tileFloats} long. */
    static Scratch forThread(int tileFloats) {
        Scratch s = PER_THREAD.get();
        if (s.tile.length < tileFloats) s.tile = new float[tileFloats];
        return s;
    }
}
