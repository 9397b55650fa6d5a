package org.merlab.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0–3.0) holding float arrays.
 *
 * <p>Why our own reader rather than DJL's {@code NDList.decode}: features are loaded before any
 * engine starts (no native library, no NDManager), straight into one contiguous float array, and
 * bad files must fail with a clear message — DJL decodes big-endian arrays silently wrong and
 * rejects Fortran order with a regex error (platform.md). Little-endian {@code f4}, {@code f8} and
 * {@code f2} are read (converted to float32); anything else is rejected with the fix.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final String RESAVE = "re-save it with np.save(path, np.ascontiguousarray(a, dtype='<f4'))";

    private Npy() {}

    /** Reads a whole {@code .npy} file as float32. */
    public static NpyArray read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataException(file, "file not found", "check the path");
        } catch (IOException e) {
            throw new DataException(file, "cannot read: " + e.getMessage(), "check the file's permissions", e);
        }
        return parse(file, ByteBuffer.wrap(bytes));
    }

    /** Parses {@code .npy} bytes; {@code file} only names the source in errors. */
    public static NpyArray parse(Path file, ByteBuffer buf) {
        Header h = header(file, buf);
        long count = 1;
        for (int d : h.shape) count *= d;
        long needed = count * h.itemSize;
        if (buf.remaining() < needed) {
            throw new DataException(file, "truncated .npy: header promises " + needed + " data bytes, file has "
                    + buf.remaining(), "the file was cut short; regenerate it");
        }
        if (count > Integer.MAX_VALUE) {
            throw new DataException(file, "array too large (" + count + " values)", "split it into per-sample files");
        }
        float[] out = new float[(int) count];
        ByteBuffer data = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (h.kind) {
            case 'f' -> {
                if (h.itemSize == 4) data.asFloatBuffer().get(out);
                else if (h.itemSize == 8) for (int i = 0; i < out.length; i++) out[i] = (float) data.getDouble(i * 8);
                else for (int i = 0; i < out.length; i++) out[i] = halfToFloat(data.getShort(i * 2));
            }
            default -> throw new IllegalStateException("unreachable: " + h.kind);
        }
        return new NpyArray(out, h.shape);
    }

    private record Header(char kind, int itemSize, int[] shape) {}

    private static Header header(Path file, ByteBuffer buf) {
        buf.order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 10) throw notNpy(file, "file is only " + buf.remaining() + " bytes");
        for (byte b : MAGIC) if (buf.get() != b) throw notNpy(file, "no NumPy magic string");
        int major = buf.get() & 0xff;
        buf.get(); // minor version
        long headerLen;
        if (major == 1) headerLen = buf.getShort() & 0xffff;
        else if (major == 2 || major == 3) headerLen = buf.getInt() & 0xffffffffL;
        else throw new DataException(file, "unsupported .npy format version " + major, RESAVE);
        if (headerLen > buf.remaining()) throw notNpy(file, "header longer than the file (truncated)");
        byte[] hb = new byte[(int) headerLen];
        buf.get(hb);
        String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(file, DESCR, header, "descr");
        if ("True".equals(group(file, FORTRAN, header, "fortran_order"))) {
            throw new DataException(file, "Fortran-order array", RESAVE);
        }
        String shapeText = group(file, SHAPE, header, "shape").trim();
        int[] shape = shapeText.isEmpty() ? new int[0] : parseShape(file, shapeText);
        if (descr.length() < 3) throw unsupportedDtype(file, descr);
        char order = descr.charAt(0);
        char kind = descr.charAt(1);
        int size;
        try {
            size = Integer.parseInt(descr.substring(2));
        } catch (NumberFormatException e) {
            throw unsupportedDtype(file, descr);
        }
        if (order == '>' && kind == 'f') throw new DataException(file, "big-endian array (dtype " + descr + ")", RESAVE);
        boolean littleOrNative = order == '<' || order == '=' || (order == '|' && size == 1);
        if (!littleOrNative || kind != 'f' || (size != 2 && size != 4 && size != 8)) throw unsupportedDtype(file, descr);
        return new Header(kind, size, shape);
    }

    private static int[] parseShape(Path file, String text) {
        String[] parts = text.split(",");
        int n = 0;
        for (String p : parts) if (!p.isBlank()) n++;
        int[] shape = new int[n];
        int i = 0;
        for (String p : parts) {
            if (p.isBlank()) continue;
            try {
                shape[i++] = Integer.parseInt(p.trim().replace("L", ""));
            } catch (NumberFormatException e) {
                throw notNpy(file, "unreadable shape (" + text + ")");
            }
        }
        return shape;
    }

    private static String group(Path file, Pattern p, String header, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) throw notNpy(file, "header has no '" + key + "'");
        return m.group(1);
    }

    private static DataException notNpy(Path file, String why) {
        return new DataException(file, "corrupt or not a .npy file (" + why + ")", "regenerate the file with np.save");
    }

    private static DataException unsupportedDtype(Path file, String descr) {
        return new DataException(file, "unsupported dtype '" + descr + "' (features must be float)", RESAVE);
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrives only in Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Writes a little-endian float32 {@code .npy} (format 1.0, header padded to 64 bytes as NumPy does). */
    public static void write(OutputStream out, float[] data, int... shape) throws IOException {
        StringBuilder sh = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sh.append(i > 0 ? ", " : "").append(shape[i]);
        if (shape.length == 1) sh.append(',');
        sh.append(')');
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + sh + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
        buf.asFloatBuffer().put(data);
        out.write(buf.array());
    }

    /** Writes a float32 {@code .npy} file. */
    public static void write(Path file, float[] data, int... shape) throws IOException {
        try (var ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
             OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
            write(out, data, shape);
        }
    }
}
