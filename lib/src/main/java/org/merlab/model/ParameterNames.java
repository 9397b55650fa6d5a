package org.merlab.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Readable parameter names. DJL prefixes each child block's name with its position ("01", "02",
 * ...) and joins levels with "_", e.g. {@code 01structure_01group0_01enc0_01fc1_weight}; the
 * canonical name drops those numbers: {@code structure_group0_enc0_fc1_weight}. That is the PyTorch
 * {@code state_dict} key of the same module with "." replaced by "_", which the parity fixtures
 * rely on. (Tooling only; nothing from the paper.)
 */
public final class ParameterNames {

    private static final Pattern CHILD_NUMBER = Pattern.compile("(^|_)\\d{2,}(?=[A-Za-z])");

    private ParameterNames() {}

    /** Drops DJL's child-position prefixes from a parameter path. */
    public static String canonical(String djlName) {
        return CHILD_NUMBER.matcher(djlName).replaceAll("$1");
    }

    /** All parameters of a block by canonical name, in DJL's order. Fails on a name clash. */
    public static Map<String, Parameter> of(Block block) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            String name = canonical(p.getKey());
            if (out.put(name, p.getValue()) != null) {
                throw new IllegalStateException("two parameters map to the name " + name);
            }
        }
        return out;
    }
}
