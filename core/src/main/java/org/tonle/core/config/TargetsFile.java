package org.tonle.core.config;

import java.nio.file.Path;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <config>/targets.yaml} as it stands: a programme manager who corrects a target sees it
 * in the next answer, without a restart. The file is read again when its {@link FileStamp}
 * changes; a changed file that does not read leaves the targets read before in force (logged),
 * as {@code access.yaml} does, so a half-saved edit never blanks the donors' achievement figures.
 */
public final class TargetsFile implements Supplier<Targets> {

    public static final String FILE = "targets.yaml";
    private static final Logger LOG = LoggerFactory.getLogger(TargetsFile.class);

    private final Path directory;
    private volatile String stamp;
    private volatile Targets targets;

    /** Reads the file now; one that does not read fails here, so a node does not start with it. */
    public TargetsFile(Path directory) {
        this.directory = directory;
        this.stamp = FileStamp.of(directory.resolve(FILE));
        this.targets = Targets.load(directory);
    }

    @Override
    public Targets get() {
        String now = FileStamp.of(directory.resolve(FILE));
        if (!now.equals(stamp)) {
            reload(now);
        }
        return targets;
    }

    private synchronized void reload(String now) {
        if (now.equals(stamp)) {
            return;
        }
        // Taken before the read: a file changed during it is read again on the next call.
        stamp = now;
        try {
            targets = Targets.load(directory);
            LOG.info("{} read again", FILE);
        } catch (ConfigException e) {
            LOG.error("{}; the targets read before stay in force", e.getMessage());
        }
    }
}
