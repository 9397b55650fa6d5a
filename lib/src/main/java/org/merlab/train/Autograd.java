package org.merlab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import java.lang.reflect.Method;

/**
 * libtorch's autograd for one thread, without DJL's {@code GradientCollector}: that one allows a single collector
 * in the whole JVM (a static flag), so two configs could not train at once ({@code -Dmerlab.parallel}). Grad mode
 * is per thread in libtorch; recording and {@link #backward} are what the collector does, the same native calls
 * (results are bit-identical). The PyTorch engine is a runtime dependency, hence reflection.
 */
final class Autograd implements AutoCloseable {
    private static final Method IS_GRAD_MODE;
    private static final Method SET_GRAD_MODE;
    private static final Method BACKWARD;

    static {
        Method is = null;
        Method set = null;
        Method back = null;
        try {
            ClassLoader cl = Engine.getInstance().getClass().getClassLoader();
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils", true, cl);
            Class<?> array = Class.forName("ai.djl.pytorch.engine.PtNDArray", true, cl);
            is = jni.getMethod("isGradMode");
            set = jni.getMethod("setGradMode", boolean.class);
            back = jni.getMethod("backward", array, array, boolean.class, boolean.class);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // not the PyTorch engine: record() says so when used
        }
        IS_GRAD_MODE = is;
        SET_GRAD_MODE = set;
        BACKWARD = back;
    }

    private final boolean before;

    private Autograd() {
        before = gradMode(null);
        gradMode(true);
    }

    /** Records operations on this thread until closed (grad mode on; restored on close). */
    static Autograd record() {
        if (BACKWARD == null) throw new IllegalStateException("the batched engine needs DJL's PyTorch engine");
        return new Autograd();
    }

    /** Gradients of the scalar {@code loss} into every array that requires them (added to what they hold). */
    void backward(NDArray loss) {
        try (NDArray ones = loss.onesLike()) {
            BACKWARD.invoke(null, loss, ones, false, false);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("libtorch backward failed", e.getCause() == null ? e : e.getCause());
        }
    }

    @Override
    public void close() {
        gradMode(before);
    }

    /** Reads (value null) or sets libtorch's grad mode of this thread; false where there is none. */
    static boolean gradMode(Boolean value) {
        if (IS_GRAD_MODE == null) return false;
        try {
            if (value == null) return (Boolean) IS_GRAD_MODE.invoke(null);
            SET_GRAD_MODE.invoke(null, value);
            return value;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("libtorch grad mode", e);
        }
    }
}
