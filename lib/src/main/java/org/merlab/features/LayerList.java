package org.merlab.features;

import java.util.TreeSet;

/** Parses layer lists such as {@code 0-24}, {@code 18,19,20} or {@code 18-20,24} (sorted, duplicates dropped). */
public final class LayerList {
    private LayerList() {}

    public static int[] parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("empty --layers");
        TreeSet<Integer> out = new TreeSet<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            try {
                int dash = p.indexOf('-', 1);
                if (dash > 0) {
                    int a = Integer.parseInt(p.substring(0, dash).trim());
                    int b = Integer.parseInt(p.substring(dash + 1).trim());
                    if (a < 0 || b < a) throw new IllegalArgumentException("bad layer range '" + p + "' in --layers " + spec);
                    for (int k = a; k <= b; k++) out.add(k);
                } else {
                    int k = Integer.parseInt(p);
                    if (k < 0) throw new IllegalArgumentException("negative layer " + k + " in --layers " + spec);
                    out.add(k);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad --layers '" + spec + "' (use e.g. 0-24 or 18,19,20)");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("empty --layers");
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
