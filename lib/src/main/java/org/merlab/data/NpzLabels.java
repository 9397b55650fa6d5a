package org.merlab.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * MER 2023's {@code label-6way.npz}: keys {@code train_corpus}, {@code test1_corpus}, ... each a
 * 0-d object array holding a pickled dict {@code name -> {'emo': str, 'val': float}} (data.md).
 */
public final class NpzLabels {
    private NpzLabels() {}

    /** Reads every split present in the file. */
    public static Map<Split, LabelSet> read(Path npz) {
        Map<String, byte[]> entries = entries(npz);
        Map<Split, LabelSet> out = new EnumMap<>(Split.class);
        for (Split split : Split.values()) {
            byte[] npy = entries.get(split.npzKey() + ".npy");
            if (npy != null) out.put(split, parseSplit(npz, split, npy));
        }
        if (out.isEmpty()) {
            throw new DataException(npz, "no *_corpus entries (found " + entries.keySet() + ")",
                    "write train_corpus/test1_corpus/... as the MER 2023 baseline does, or use CSV labels");
        }
        return out;
    }

    private static Map<String, byte[]> entries(Path npz) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(npz); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) entries.put(e.getName(), zip.readAllBytes());
        } catch (NoSuchFileException e) {
            throw new DataException(npz, "label file not found", "check --data, or lay the dataset out as data.md describes");
        } catch (ZipException | java.io.EOFException e) {
            throw new DataException(npz, "corrupt or truncated .npz (" + e.getMessage() + ")", "copy the file again", e);
        } catch (IOException e) {
            throw new DataException(npz, "cannot read: " + e.getMessage(), "check the file", e);
        }
        return entries;
    }

    private static LabelSet parseSplit(Path npz, Split split, byte[] npy) {
        String where = split.npzKey();
        Object dict;
        try {
            dict = NumpyPickle.loadObjectScalar(objectPayload(npz, where, npy));
        } catch (IOException | RuntimeException e) {
            throw new DataException(npz, where + ": cannot unpickle (" + e.getMessage() + ")",
                    "re-save the labels as a dict of {'emo', 'val'}, or use CSV labels", e);
        }
        if (!(dict instanceof Map<?, ?> samples)) {
            throw new DataException(npz, where + " holds " + typeName(dict) + ", not a dict", "use CSV labels");
        }
        List<String> names = new ArrayList<>(samples.size());
        List<Label> labels = new ArrayList<>(samples.size());
        for (Map.Entry<?, ?> e : samples.entrySet()) {
            String name = String.valueOf(e.getKey());
            if (!(e.getValue() instanceof Map<?, ?> fields) || !(fields.get("emo") instanceof String emo)) {
                throw new DataException(npz, where + ": sample " + name + " has no 'emo' string", "fix the label dict");
            }
            Object val = fields.get("val");
            double valence = val instanceof Number n ? n.doubleValue() : Label.UNKNOWN_VALENCE_MARK;
            names.add(name);
            labels.add(LabelParsing.label(npz, name, emo, valence));
        }
        return LabelSet.of(split, names, labels, npz);
    }

    /** The pickle bytes after an object-dtype npy header. */
    private static byte[] objectPayload(Path npz, String where, byte[] npy) {
        ByteBuffer b = ByteBuffer.wrap(npy).order(ByteOrder.LITTLE_ENDIAN);
        if (npy.length < 10 || npy[0] != (byte) 0x93 || npy[1] != 'N') {
            throw new DataException(npz, where + " is not a .npy entry", "copy the file again");
        }
        int major = npy[6];
        int headerLen = major == 1 ? (b.getShort(8) & 0xffff) : b.getInt(8);
        int start = (major == 1 ? 10 : 12) + headerLen;
        String header = new String(npy, major == 1 ? 10 : 12, headerLen, StandardCharsets.ISO_8859_1);
        if (!header.contains("'|O'")) throw new DataException(npz, where + " is not an object array (" + header.trim() + ")", "use CSV labels");
        byte[] out = new byte[npy.length - start];
        System.arraycopy(npy, start, out, 0, out.length);
        return out;
    }

    private static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    /**
     * Writes labels as the MER 2023 baseline does (what {@code np.savez_compressed} of dicts makes),
     * byte-identical for the same input: entries in split order, fixed timestamps.
     */
    public static void write(Path npz, Map<Split, LabelSet> splits) throws IOException {
        try (OutputStream out = Files.newOutputStream(npz); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Split split : Split.values()) {
                LabelSet set = splits.get(split);
                if (set == null) continue;
                Map<String, Object> dict = new LinkedHashMap<>();
                for (String name : set.names()) {
                    Label l = set.get(name);
                    Map<String, Object> fields = new LinkedHashMap<>();
                    fields.put("emo", l.emotion().label());
                    fields.put("val", l.hasValence() ? l.valence() : Label.UNKNOWN_VALENCE_MARK);
                    dict.put(name, fields);
                }
                ZipEntry entry = new ZipEntry(split.npzKey() + ".npy");
                entry.setTime(315532800000L); // 1980-01-01, the zip epoch: same bytes on every run
                zip.putNextEntry(entry);
                zip.write(objectNpy(NumpyPickle.dumpObjectScalar(dict)));
                zip.closeEntry();
            }
        }
    }

    private static byte[] objectNpy(byte[] pickle) throws IOException {
        String dict = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >> 8);
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        out.write(pickle);
        return out.toByteArray();
    }
}
