package org.merlab.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Pickler;
import net.razorvine.pickle.Unpickler;

/**
 * The little of NumPy's pickle vocabulary that MER 2023's {@code label-6way.npz} uses: each entry
 * is a 0-d object array ({@code np.save} pickles the whole ndarray) holding a dict, whose values may
 * be Python floats or NumPy scalars. Pickle parsing itself is net.razorvine:pickle; this class only
 * teaches it the NumPy constructors (both the {@code numpy.core} and NumPy 2's {@code numpy._core}
 * module names), and writes such an array back for MER-SIM.
 */
final class NumpyPickle {
    private NumpyPickle() {}

    /** What {@code numpy.core.multiarray._reconstruct} builds; BUILD then calls {@code __setstate__}. */
    public static final class NdarrayStub {
        private Object[] state;

        public void __setstate__(Object[] state) {
            this.state = state;
        }

        /** The single element of a 0-d object array. */
        Object scalarObject() {
            if (state == null || state.length < 5) throw new IllegalStateException("ndarray without state");
            Object shape = state[1];
            boolean zeroDim = shape instanceof Object[] a && a.length == 0;
            Object data = state[4];
            if (!zeroDim) throw new IllegalStateException("expected a 0-d array, found shape " + describe(shape));
            if (data instanceof List<?> l && l.size() == 1) return l.get(0);
            if (data instanceof Object[] a && a.length == 1) return a[0];
            throw new IllegalStateException("expected an object array holding one dict");
        }

        private static String describe(Object shape) {
            return shape instanceof Object[] a ? java.util.Arrays.toString(a) : String.valueOf(shape);
        }
    }

    /** {@code numpy.dtype}; its state is irrelevant here but BUILD needs somewhere to put it. */
    public static final class DtypeStub {
        final String code;

        DtypeStub(String code) {
            this.code = code;
        }

        public void __setstate__(Object[] state) {
            // byte order, field info etc.: the label reader only needs the type code
        }
    }

    private static final IObjectConstructor RECONSTRUCT = args -> new NdarrayStub();
    private static final IObjectConstructor DTYPE = args -> new DtypeStub(String.valueOf(args[0]));
    /** {@code numpy.core.multiarray.scalar(dtype, bytes)}: a NumPy scalar such as np.float64(-1.25). */
    private static final IObjectConstructor SCALAR = args -> {
        DtypeStub dtype = (DtypeStub) args[0];
        byte[] raw = args[1] instanceof byte[] b ? b : String.valueOf(args[1]).getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        return switch (dtype.code) {
            case "f8" -> buf.getDouble();
            case "f4" -> (double) buf.getFloat();
            case "i8" -> (double) buf.getLong();
            case "i4" -> (double) buf.getInt();
            default -> throw new IllegalStateException("unsupported NumPy scalar dtype " + dtype.code);
        };
    };

    static {
        for (String module : List.of("numpy.core.multiarray", "numpy._core.multiarray")) {
            Unpickler.registerConstructor(module, "_reconstruct", RECONSTRUCT);
            Unpickler.registerConstructor(module, "scalar", SCALAR);
        }
        Unpickler.registerConstructor("numpy", "dtype", DTYPE);
        Pickler.registerCustomPickler(ObjectScalar.class, NumpyPickle::writeObjectScalar);
    }

    /** Unpickles the payload of an object-dtype {@code .npy} entry and returns its single element. */
    static Object loadObjectScalar(byte[] pickle) throws IOException {
        Unpickler u = new Unpickler();
        try {
            Object o = u.load(new ByteArrayInputStream(pickle));
            if (o instanceof NdarrayStub nd) return nd.scalarObject();
            throw new IllegalStateException("expected a pickled ndarray, found " + (o == null ? "None" : o.getClass().getSimpleName()));
        } finally {
            u.close();
        }
    }

    /** A value to be pickled as NumPy pickles {@code np.array(value, dtype=object)} (0-d). */
    record ObjectScalar(Object value) {}

    static byte[] dumpObjectScalar(Object value) throws IOException {
        return new Pickler(false).dumps(new ObjectScalar(value));
    }

    // Opcodes (pickletools): the ndarray is rebuilt as NumPy does:
    //   _reconstruct(ndarray, (0,), b'b') then BUILD with (1, (), dtype('O8', False, True), False, [value]).
    private static void writeObjectScalar(Object o, OutputStream out, Pickler pickler) throws IOException {
        ObjectScalar s = (ObjectScalar) o;
        global(out, "numpy.core.multiarray", "_reconstruct");
        global(out, "numpy", "ndarray");
        pickler.save(0);
        out.write(0x85); // TUPLE1 -> (0,)
        out.write('C');  // SHORT_BINBYTES b'b'
        out.write(1);
        out.write('b');
        out.write(0x87); // TUPLE3
        out.write('R');  // REDUCE
        out.write('(');  // MARK: the state tuple
        pickler.save(1);
        out.write(')');  // EMPTY_TUPLE: shape ()
        global(out, "numpy", "dtype");
        pickler.save("O8");
        out.write(0x89); // NEWFALSE
        out.write(0x88); // NEWTRUE
        out.write(0x87); // TUPLE3
        out.write('R');
        out.write('(');  // dtype state (3, '|', None, None, None, -1, -1, 63)
        pickler.save(3);
        pickler.save("|");
        out.write('N');
        out.write('N');
        out.write('N');
        pickler.save(-1);
        pickler.save(-1);
        pickler.save(63);
        out.write('t');  // TUPLE
        out.write('b');  // BUILD dtype
        out.write(0x89); // NEWFALSE: not Fortran order
        out.write(']');  // EMPTY_LIST
        pickler.save(s.value());
        out.write('a');  // APPEND
        out.write('t');  // TUPLE: the state
        out.write('b');  // BUILD ndarray
    }

    private static void global(OutputStream out, String module, String name) throws IOException {
        out.write('c');
        out.write((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }
}
