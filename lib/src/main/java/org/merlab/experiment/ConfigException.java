package org.merlab.experiment;

import java.nio.file.Path;
import org.merlab.data.DataException;

/** A bad experiment config: the message names the file, the key path, what is wrong and the fix. */
public final class ConfigException extends DataException {
    public ConfigException(Path file, String keyPath, String problem, String fix) {
        super(file, (keyPath == null || keyPath.isEmpty() ? "" : "'" + keyPath + "': ") + problem, fix);
    }
}
