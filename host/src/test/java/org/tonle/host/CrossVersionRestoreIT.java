package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.host.demo.DemoLoader;
import org.tonle.warehouse.backup.OpenPgp;
import org.tonle.warehouse.backup.Secret;

/**
 * The way to the next DuckDB (docs/OPERATIONS.md, "Upgrades"): DuckDB 2.0 cannot read a 1.5
 * warehouse file the other way round, but a backup holds Parquet, not DuckDB's file format. A
 * backup of the demo warehouse, taken by this node on DuckDB 1.5, is loaded into a new
 * warehouse file by DuckDB 2.0.0.1 (in a child JVM with only that driver), which, opened
 * again, gives every figure the node's own warehouse gives.
 */
class CrossVersionRestoreIT {

    @Test
    void aBackupRestoresIntoAWarehouseOfDuckDb2WithTheSameFigures(@TempDir Path root) throws Exception {
        Path backup = root.resolve("demo.pgp");
        List<String> here = new ArrayList<>();
        try (TestNode node = TestNode.start(root.resolve("node"))) {
            DemoLoader.load(node.node().ingest(), node.config().resolve("demo"));
            HttpResponse<InputStream> answer = BackupIT.backup(node.url(), TestNode.ADMIN_TOKEN, BackupIT.PASSPHRASE);
            assertThat(answer.statusCode()).isEqualTo(200);
            try (InputStream in = answer.body()) {
                Files.copy(in, backup);
            }
            try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement()) {
                assertThat(DuckDbNextRestore.rows(s, "SELECT version()")).startsWith("v1.5");
                for (String figure : DuckDbNextRestore.FIGURES) {
                    here.add("figure\t" + DuckDbNextRestore.rows(s, figure));
                }
            }
        }
        Path tables = Files.createDirectories(root.resolve("unpacked"));
        try (InputStream in = OpenPgp.decrypt(Files.newInputStream(backup), Secret.passphrase(BackupIT.PASSPHRASE));
             ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                if (entry.getName().startsWith("tables/")) {
                    Files.copy(zip, tables.resolve(entry.getName().substring("tables/".length())));
                }
            }
        }

        Path next = TestNode.repository().resolve("host/target/duckdb-next/duckdb_jdbc-2.0.0.1.jar");
        assertThat(next).exists();
        Files.createDirectories(root.resolve("duckdb2"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", TestNode.repository().resolve("host/target/test-classes") + File.pathSeparator + next,
                DuckDbNextRestore.class.getName(), tables.toString(), root.resolve("duckdb2/tonle.duckdb").toString())
                .redirectErrorStream(true).start();
        List<String> lines = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(child.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).as(String.join("\n", lines)).isZero();
        assertThat(lines.get(0)).as("the child's DuckDB").startsWith("version\tv2.0");
        List<String> there = lines.subList(1, lines.size());
        assertThat(there).isEqualTo(here);
        assertThat(here.get(0)).as("the demo is in").startsWith("figure\t1374, 1374");
    }
}
