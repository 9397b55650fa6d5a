package org.merlab.train;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuAdamKernel}'s update in the JDK's vector API ({@code jdk.incubator.vector}), read and written straight in
 * the arrays' native memory: one streaming pass, as a C loop would make it.
 *
 * <p>Why: the scalar path has to copy each tile into Java arrays for the JIT to vectorise it, and that pattern (copy
 * in, compute, copy out) moves memory at half the rate of one fused pass: on the 2-core machine the update of a
 * 15.3 M-parameter stack takes 11.5 ms that way against 5.4 ms here (docs/benchmarks.md, "Adam in vector lanes").
 *
 * <p>The arithmetic is the scalar path's, operation by operation (the same fused multiply-adds, a correctly rounded
 * square root, IEEE division), so the two give the same bits ({@code CpuAdamKernelTest}). Only
 * {@link CpuAdamKernel} loads this class, and only when the module is in the JVM's boot layer: the launcher, the
 * notebook kernel and the tests start Java with {@code --add-modules jdk.incubator.vector}.
 */
final class AdamLanes {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private AdamLanes() {}

    /** Floats per vector on this CPU (16 with AVX-512, 8 with AVX2). */
    static int lanes() {
        return SPECIES.length();
    }

    /**
     * Updates the whole vectors of elements {@code [from, to)}: weight {@code w} and moments {@code m}, {@code v} from
     * gradient {@code g} (native-order buffers over float arrays; the gradient is only read). Returns the first element
     * it did not update: the ragged end, fewer than {@link #lanes} elements, is left to the scalar path.
     */
    static int update(ByteBuffer w, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to,
            float b1, float b2, float eps, float lr, float wd) {
        FloatVector wdV = FloatVector.broadcast(SPECIES, wd);
        FloatVector a1V = FloatVector.broadcast(SPECIES, 1 - b1); // float arithmetic, as the scalar path
        final float a2 = 1 - b2;
        int end = from + SPECIES.loopBound(to - from);
        for (int i = from; i < end; i += SPECIES.length()) {
            int at = i * Float.BYTES;
            FloatVector wi = FloatVector.fromByteBuffer(SPECIES, w, at, ORDER);
            FloatVector gi = wi.fma(wdV, FloatVector.fromByteBuffer(SPECIES, g, at, ORDER));
            FloatVector mi = gi.fma(a1V, FloatVector.fromByteBuffer(SPECIES, m, at, ORDER).mul(b1));
            FloatVector vi = gi.mul(a2).fma(gi, FloatVector.fromByteBuffer(SPECIES, v, at, ORDER).mul(b2));
            mi.intoByteBuffer(m, at, ORDER);
            vi.intoByteBuffer(v, at, ORDER);
            wi.sub(mi.mul(lr).div(vi.lanewise(VectorOperators.SQRT).add(eps))).intoByteBuffer(w, at, ORDER);
        }
        return end;
    }
}
