package org.tonle.warehouse.indicators;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.Office;
import org.tonle.core.config.Settings;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.programme.api.ParticipantTally;
import org.tonle.warehouse.Change;
import org.tonle.warehouse.PseudonymousRecord;
import org.tonle.warehouse.PseudonymousRecord.Subject;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.WarehouseKey;

/**
 * The persisted cube across restarts: after a clean stop every slice comes back from the file
 * and answers exactly as SQL from scratch; a file not written from the warehouse exactly as it is
 * now (commits that never reached it, as after a crash between a commit and the next persist; a
 * second start from the same file; facts repaired at start; an older genuine file put back, even
 * where the record versions are made to match its count) is taken back in no part and every
 * slice is rebuilt; a slice whose declaration changed is built again; an unreadable file is
 * ignored. Every figure is compared with SQL from scratch.
 */
class IndicatorCubeRestartTest {

    private static final List<Period> PERIODS = new ArrayList<>();

    static {
        PERIODS.addAll(Period.parse("2015-02..2015-03"));
        PERIODS.addAll(Period.parse("2015-Q1..2016-Q4"));
        PERIODS.addAll(Period.parse("2015..2016"));
    }

    @TempDir
    Path dir;

    private final Random random = new Random(7);
    private final List<UUID> people = new ArrayList<>();
    private final List<UUID> visits = new ArrayList<>();
    private Programme programme;
    private ProgrammeRegistry registry;
    private TonleConfig config;
    private Warehouse warehouse;
    private RecordStore store;
    private IndicatorCube cube;
    private IndicatorEngine engine;
    private Path file;
    /** Null: a plain warehouse. */
    private WarehouseKey key;

    @BeforeEach
    void setUp() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("testprog.yaml")) {
            programme = new DeclarationReader().read(in, "testprog.yaml");
        }
        registry = new ProgrammeRegistry();
        registry.add(1, "testprog", "1.0.0", programme);
        config = new TonleConfig(dir, List.of(new Office("PNH", "Phnom Penh"), new Office("SRP", "Siem Reap")),
                Map.of("PNH", List.of("testprog"), "SRP", List.of("testprog")), List.of(), Settings.defaults());
        for (int i = 0; i < 300; i++) {
            people.add(UUID.randomUUID());
        }
        file = dir.resolve("indicator-cube.bin");
        open();
    }

    @AfterEach
    void tearDown() {
        stop();
    }

    private void open() {
        warehouse = key == null ? Warehouse.open(dir.resolve("w.duckdb"))
                : Warehouse.open(dir.resolve("encrypted.duckdb"), "64MB", new Settings.Sql(0), key);
        store = new RecordStore(warehouse);
        cube = new IndicatorCube(warehouse);
        store.onCommit(cube);
        engine = new IndicatorEngine(warehouse, registry, config, cube);
    }

    private void stop() {
        if (warehouse != null) {
            store.close();
            warehouse.close();
            warehouse = null;
        }
    }

    @Test
    void aCleanStopBringsEverySliceBackAsSqlFromScratch() throws Exception {
        commit(3000, false);
        commit(500, true);
        assertCubeEqualsSql();
        int slices = cube.builds();
        cube.persist(file);
        stop();
        assertThat(holdsAPerson(file)).as("the control: a plain warehouse's cube file shows subject keys").isTrue();

        open();
        IndicatorCube.Restored restored = cube.restore(file);
        assertThat(restored.slices()).isEqualTo(slices);
        assertCubeEqualsSql();
        assertThat(cube.builds()).as("slices built again").isZero();

        // The restored cube follows commits: new persons get new numbers, known ones keep theirs.
        commit(800, true);
        assertCubeEqualsSql();
        assertThat(cube.builds()).isZero();
    }

    /**
     * With the warehouse encrypted the cube's file is sealed under the warehouse key: it shows no
     * subject key, attribute value or office, and comes back after a clean stop as a plain one
     * does; sealed with another key (or changed) it is ignored and the cube is built again.
     */
    @Test
    void anEncryptedWarehousesCubeFileIsSealedAndComesBack() throws Exception {
        stop();
        key = key(1);
        open();
        commit(3000, true);
        assertCubeEqualsSql();
        int slices = cube.builds();
        cube.persist(file);
        stop();
        String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        assertThat(holdsAPerson(file)).isFalse();
        assertThat(bytes).doesNotContain("home").doesNotContain("office").doesNotContain("testprog")
                .startsWith("tonle-sealed-file-1");

        open();
        IndicatorCube.Restored restored = cube.restore(file);
        assertThat(restored.slices()).isEqualTo(slices);
        assertCubeEqualsSql();
        assertThat(cube.builds()).as("slices built again").isZero();
        cube.persist(file);
        stop();

        // Another key (a file from elsewhere): ignored, the cube is built from the warehouse.
        Files.move(dir.resolve("encrypted.duckdb"), dir.resolve("moved.duckdb"));
        key = key(2);
        open();
        assertThat(cube.restore(file).slices()).isZero();
        commit(10, false);
        assertCubeEqualsSql();
    }

    /** Whether the file holds one of the subject keys, as the cube writes them (big-endian). */
    private boolean holdsAPerson(Path cubeFile) throws Exception {
        String bytes = new String(Files.readAllBytes(cubeFile), StandardCharsets.ISO_8859_1);
        for (UUID person : people) {
            ByteBuffer form = ByteBuffer.allocate(16).putLong(person.getMostSignificantBits()).putLong(person.getLeastSignificantBits());
            if (bytes.contains(new String(form.array(), StandardCharsets.ISO_8859_1))) {
                return true;
            }
        }
        return false;
    }

    private static WarehouseKey key(int seed) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) seed);
        return new WarehouseKey(key, true);
    }

    @Test
    void commitsAfterThePersistRebuildEverySlice() {
        commit(3000, false);
        assertCubeEqualsSql();
        cube.persist(file);
        // Commits that land after the persist and never reach the file, as when the node is
        // killed between a commit and its next persist: visits only (new, corrected, voided).
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            UUID id = UUID.randomUUID();
            changes.add(change(id, Change.Action.CREATE, record(id, "visit")));
        }
        for (int i = 0; i < 50; i++) {
            UUID id = visits.get(i);
            changes.add(change(id, i % 2 == 0 ? Change.Action.VOID : Change.Action.CORRECT, i % 2 == 0 ? null : record(id, "visit")));
        }
        store.commit(changes);
        stop();

        open();
        IndicatorCube.Restored restored = cube.restore(file);
        assertThat(restored.slices()).as("the warehouse is not as the file left it: nothing comes back").isZero();
        assertCubeEqualsSql();
        assertThat(cube.builds()).as("visit, followup and session built again").isEqualTo(3);
    }

    /**
     * A file is taken back once, by the start after the clean stop that wrote it: a second start
     * from it (the node was killed after the first, before its next clean stop) rebuilds the
     * cube, even where no commit came in between.
     */
    @Test
    void aFileComesBackOnlyAtTheStartAfterTheStopThatWroteIt() {
        commit(1000, true);
        assertCubeEqualsSql();
        cube.persist(file);
        stop();

        open();
        assertThat(cube.restore(file).slices()).isEqualTo(3);
        assertCubeEqualsSql();
        stop(); // killed: no persist

        open();
        assertThat(cube.restore(file).slices()).isZero();
        assertCubeEqualsSql();
        assertThat(cube.builds()).isEqualTo(3);
    }

    /**
     * The restore does not look at the facts, so whatever changes them without storing a record
     * version must unbind the file: the start's repair after a crash. Here a fact without a stored
     * version (what a crash can bring back from the WAL) was in the warehouse when the cube was
     * built and persisted; the repair removes it, and the file, which counts it, must not come back.
     */
    @Test
    void factsRepairedAtStartRebuildEverySlice() throws Exception {
        commit(1000, false);
        UUID orphan = UUID.randomUUID();
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO fact_activity"
                    + " (record_id, program, activity, office, activity_date, subject_key, role, sex, age_band, count, attributes)"
                    + " VALUES ('" + orphan + "', 'testprog', 'visit', 'PNH', DATE '2015-03-04', '" + UUID.randomUUID()
                    + "', 'victim', 'F', '0-4', 1, '{\"place\":\"home\"}')");
        }
        assertCubeEqualsSql();
        cube.persist(file);
        stop();

        open();
        assertThat(store.reconcile()).as("the fact without a version leaves").isEqualTo(1);
        IndicatorCube.Restored restored = cube.restore(file);
        // The figures first: taken back, the file would still count the removed fact.
        assertCubeEqualsSql();
        assertThat(restored.slices()).as("the facts are no longer the file's").isZero();
        assertThat(cube.builds()).isEqualTo(3);
    }

    /** A repair that finds nothing to do leaves the file bound: the facts are the persisted ones. */
    @Test
    void aReconcileThatChangesNothingKeepsTheFile() {
        commit(1000, true);
        assertCubeEqualsSql();
        cube.persist(file);
        stop();

        open();
        assertThat(store.reconcile()).isZero();
        assertThat(cube.restore(file).slices()).isEqualTo(3);
        assertCubeEqualsSql();
        assertThat(cube.builds()).isZero();
    }

    /**
     * The cells of a slice are keyed by its activity's enum attributes as declared when it was
     * built: restored under a declaration that changed them, it is built again when asked, the
     * other slices stay as restored.
     */
    @Test
    void aSliceWhoseDeclarationChangedIsBuiltAgain() throws Exception {
        commit(1000, true);
        assertCubeEqualsSql();
        cube.persist(file);
        stop();

        String yaml;
        try (InputStream in = getClass().getResourceAsStream("testprog.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String note = "      - {name: note, type: text, max_length: 50}\n";
        String changed = yaml.replace(note, note + "      - {name: channel, type: enum, values: [walk, call]}\n");
        assertThat(changed).isNotEqualTo(yaml);
        programme = new DeclarationReader().read(new ByteArrayInputStream(changed.getBytes(StandardCharsets.UTF_8)), "testprog.yaml");
        registry = new ProgrammeRegistry();
        registry.add(1, "testprog", "1.0.1", programme);
        open();
        assertThat(cube.restore(file).slices()).isEqualTo(3);
        assertCubeEqualsSql();
        assertThat(cube.builds()).as("the visit slice only").isEqualTo(1);
    }

    @Test
    void anOlderGenuineFilePutBackIsRejectedEvenWhereTheVersionsMatch() throws Exception {
        replayOlderFile();
    }

    @Test
    void anEncryptedWarehousesOlderSealedFilePutBackIsRejectedEvenWhereTheVersionsMatch() throws Exception {
        stop();
        key = key(3);
        open();
        replayOlderFile();
    }

    /**
     * Someone who can write the data folder keeps a genuine file, lets the warehouse move on
     * (records entered and corrected, a clean stop writes a newer file), puts the old file back
     * and makes the number of record versions equal the old file's again (the restore does not
     * look at the facts). Only the token tells the file from the warehouse's state; without it the
     * old figures would come back; they must not.
     */
    private void replayOlderFile() throws Exception {
        commit(2000, false);
        assertCubeEqualsSql();
        cube.persist(file);
        Path older = dir.resolve("older-cube.bin");
        Files.copy(file, older);
        long olderVersions;
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            olderVersions = versions(s);
        }
        stop();

        open();
        assertThat(cube.restore(file).slices()).as("the genuine file, at the start after its stop").isEqualTo(3);
        commit(600, true);
        assertCubeEqualsSql();
        cube.persist(file);
        stop();

        Files.copy(older, file, StandardCopyOption.REPLACE_EXISTING);
        open();
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            long now = versions(s);
            s.execute("DELETE FROM record_version WHERE rowid IN (SELECT rowid FROM record_version ORDER BY rowid DESC LIMIT "
                    + (now - olderVersions) + ")");
            assertThat(versions(s)).isEqualTo(olderVersions);
        }
        IndicatorCube.Restored restored = cube.restore(file);
        // The figures first: taken back, the older file would answer with its stale cells.
        assertCubeEqualsSql();
        assertThat(restored.slices()).as("nothing of the older file comes back").isZero();
        assertThat(cube.builds()).as("every slice built from the warehouse").isEqualTo(3);
    }

    private static long versions(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM record_version")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void anUnreadableOrMissingFileIsIgnored() throws Exception {
        commit(1000, true);
        assertCubeEqualsSql();
        cube.persist(file);
        stop();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));

        open();
        assertThat(cube.restore(file).slices()).isZero();
        assertCubeEqualsSql();
        stop();

        Files.delete(file);
        open();
        assertThat(cube.restore(file).slices()).isZero();
        assertCubeEqualsSql();
    }

    /** Every indicator, with every breakdown of up to two dimensions, over every period kind. */
    private void assertCubeEqualsSql() {
        for (Indicator indicator : programme.indicators()) {
            List<List<String>> breakdowns = new ArrayList<>();
            breakdowns.add(List.of());
            for (int i = 0; i < indicator.by().size(); i++) {
                breakdowns.add(List.of(indicator.by().get(i)));
                for (int j = i + 1; j < indicator.by().size(); j++) {
                    breakdowns.add(List.of(indicator.by().get(i), indicator.by().get(j)));
                }
            }
            for (List<String> by : breakdowns) {
                IndicatorQuery query = new IndicatorQuery(indicator, PERIODS, null, by);
                assertThat(engine.evaluate(query)).as("%s by %s", indicator.code(), by).isEqualTo(engine.evaluateFromScratch(query));
            }
        }
    }

    private void commit(int records, boolean corrections) {
        List<Change> changes = new ArrayList<>();
        String[] activities = {"visit", "visit", "followup", "session"};
        for (int i = 0; i < records; i++) {
            if (corrections && i % 10 == 0 && visits.size() > 100) {
                UUID id = visits.get(random.nextInt(visits.size() - 50) + 50);
                changes.add(change(id, Change.Action.CORRECT, record(id, "visit")));
                store.commit(changes);
                changes.clear();
                continue;
            }
            UUID id = UUID.randomUUID();
            String activity = activities[random.nextInt(activities.length)];
            if (activity.equals("visit")) {
                visits.add(id);
            }
            changes.add(change(id, Change.Action.CREATE, record(id, activity)));
            if (changes.size() == 250) {
                store.commit(changes);
                changes.clear();
            }
        }
        store.commit(changes);
    }

    private PseudonymousRecord record(UUID id, String activity) {
        LocalDate date = LocalDate.of(2015, 1, 1).plusDays(random.nextInt(730));
        String office = random.nextBoolean() ? "PNH" : "SRP";
        String sex = List.of("F", "M", "X", "U").get(random.nextInt(4));
        return switch (activity) {
            case "visit" -> new PseudonymousRecord(id, "testprog", activity, office, date,
                    random.nextInt(5) == 0 ? null : new Subject(people.get(random.nextInt(people.size())), "client", sex, random.nextInt(30)),
                    1 + random.nextInt(3), Map.of("place", List.of("home", "office", "phone").get(random.nextInt(3)), "note", "n"), List.of());
            case "followup" -> new PseudonymousRecord(id, "testprog", activity, office, date,
                    new Subject(people.get(random.nextInt(people.size())), "victim", sex, random.nextInt(30)), 1,
                    Map.of("place", "home"), List.of());
            default -> new PseudonymousRecord(id, "testprog", activity, office, date, null, 1,
                    Map.of("topic", random.nextBoolean() ? "law" : "health"),
                    List.of(new ParticipantTally("student", sex, 1 + random.nextInt(9))));
        };
    }

    private Change change(UUID id, Change.Action action, PseudonymousRecord record) {
        return new Change(id, 1, action, "h" + random.nextLong(), "{}", record, "test", "test", Instant.now());
    }
}
