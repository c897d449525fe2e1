package org.tonle.warehouse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The schema a release ships, read from the SQL files under {@code migrations/} beside this
 * class: the table migrations listed in {@code migrations/ORDER}, each applied once, and the
 * analytics views listed in {@code migrations/analytics/VIEWS}, re-created whenever their
 * definition changes ({@link SchemaMigrator}). The views file is also the list of relations
 * the SQL sandbox allows, so a view cannot be added without becoming queryable or the other
 * way round.
 */
public final class Schema {

    static final String ROOT = "migrations/";
    static final String ORDER = "ORDER";
    static final String VIEWS = "analytics/VIEWS";

    /**
     * A table migration.
     *
     * @param name     its file under {@code migrations/}, e.g. {@code 003-audit.sql}, as recorded in
     *                 {@code schema_migration}
     * @param checksum SHA-256 (hex) of the file, line ends counted as {@code \n}
     */
    public record Migration(String name, String sql, String checksum) {
    }

    /**
     * An analytics view.
     *
     * @param name     the view, the file name without {@code .sql}
     * @param file     its file under {@code migrations/}, e.g. {@code analytics/activities.sql}
     * @param checksum SHA-256 (hex) of the file, line ends counted as {@code \n}
     */
    public record View(String name, String file, String sql, String checksum) {
    }

    private static final Schema RELEASE = read(Schema::resource);

    private final List<Migration> migrations;
    private final List<View> views;
    private final Function<String, String> files;

    private Schema(List<Migration> migrations, List<View> views, Function<String, String> files) {
        this.migrations = migrations;
        this.views = views;
        this.files = files;
    }

    /** The schema of this release. */
    public static Schema release() {
        return RELEASE;
    }

    /** The names of the analytics views, in the order they are created: the SQL sandbox's contract. */
    public static List<String> analyticsViews() {
        return RELEASE.views.stream().map(View::name).toList();
    }

    /**
     * A schema read through {@code files} (a path under {@code migrations/} to its text, or
     * {@code null} when there is no such file), for tests that stand for another release.
     */
    static Schema read(Function<String, String> files) {
        List<Migration> migrations = lines(files, ORDER).stream()
                .map(name -> new Migration(name, file(files, name), checksum(file(files, name))))
                .toList();
        List<View> views = lines(files, VIEWS).stream()
                .map(line -> {
                    String file = "analytics/" + line;
                    if (!line.endsWith(".sql") || line.contains("/")) {
                        throw new WarehouseException(ROOT + VIEWS + ": \"" + line + "\" is not the .sql file of a view beside it", null);
                    }
                    return new View(line.substring(0, line.length() - ".sql".length()), file, file(files, file), checksum(file(files, file)));
                })
                .toList();
        return new Schema(migrations, views, files);
    }

    /** This schema with some files replaced or added (path under {@code migrations/} to text), e.g. a release that edits a view. */
    Schema with(Map<String, String> replaced) {
        Map<String, String> copy = new HashMap<>(replaced);
        return read(name -> copy.containsKey(name) ? copy.get(name) : files.apply(name));
    }

    public List<Migration> migrations() {
        return migrations;
    }

    /** In dependency order: a view comes after the views it reads. */
    public List<View> views() {
        return views;
    }

    /** The SHA-256 of a migration's text; CRLF counts as LF, so a Windows checkout builds the same release. */
    static String checksum(String sql) {
        try {
            byte[] bytes = sql.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** The lines of a list file, blank lines and {@code #} comments left out. */
    private static List<String> lines(Function<String, String> files, String name) {
        return file(files, name).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    private static String file(Function<String, String> files, String name) {
        String text = files.apply(name);
        if (text == null) {
            throw new WarehouseException("missing schema file " + ROOT + name, null);
        }
        return text;
    }

    private static String resource(String name) {
        try (InputStream in = Schema.class.getResourceAsStream(ROOT + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new WarehouseException("cannot read " + ROOT + name, e);
        }
    }
}
