package org.tonle.host.pages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.YearMonth;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.host.TestNode;

/**
 * The pages in a real headless Chromium against a real node: sign-in, a form generated from a
 * declaration, a record that changes the dashboard's figure, server rejections shown next to
 * their field, the offline outbox sending once after the connection returns, and what a donor
 * sees. Screenshots go to host/target/pages-screenshots/ for review.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PagesIT {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String STAFF_TOKEN = "pages-staff-token";
    static final String DONOR_TOKEN = "pages-donor-token";
    static final String MONTH = YearMonth.now().toString();

    TestNode node;
    ChromeDriver driver;
    WebDriverWait wait;
    Path shots;
    Path downloads;

    @BeforeAll
    void start(@TempDir Path root) throws IOException {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian chromium and chromedriver are not installed at /usr/bin (bin/test installs them): browser tests skipped");
        // Phnom Penh will run a programme that is not deployed yet (hot-deployed by a test below).
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Path pnh = root.resolve("config/deployments/PNH.yaml");
        Files.writeString(pnh, Files.readString(pnh).replace("awareness]", "awareness, outreach]"));
        node = TestNode.start(root);
        node.node().access().add(new Caller("pnh-staff", Role.STAFF, Set.of(), Set.of("PNH", "SRP")), STAFF_TOKEN);
        node.node().access().add(new Caller("donor-a", Role.DONOR, Set.of("social", "awareness"), Set.of()), DONOR_TOKEN);
        shots = Files.createDirectories(TestNode.repository().resolve("host/target/pages-screenshots"));
        downloads = Files.createDirectories(root.resolve("downloads"));

        // The driver path is given explicitly so that Selenium Manager never tries to download one.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + Files.createDirectories(root.resolve("chrome")),
                "--window-size=600,1400");
        // A phone's screen (desktop Chrome will not make a window narrower than about 500 px).
        options.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics", Map.of("width", 390, "height", 1400, "pixelRatio", 1.0)));
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        wait.ignoring(StaleElementReferenceException.class);   // the pages re-render parts as answers come
    }

    @AfterAll
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    @Order(1)
    void meTellsThePagesWhatAPrincipalMayDo() {
        JsonNode staff = node.get("/api/v1/me", STAFF_TOKEN).json();
        assertThat(staff.path("role").asText()).isEqualTo("staff");
        assertThat(staff.path("offices")).extracting(JsonNode::asText).containsExactly("PNH", "SRP");
        assertThat(staff.path("mayRecord").asBoolean()).isTrue();
        JsonNode donor = node.get("/api/v1/me", DONOR_TOKEN).json();
        assertThat(donor.path("programs")).extracting(JsonNode::asText).containsExactly("awareness", "social");
        assertThat(donor.path("mayRecord").asBoolean()).isFalse();
        assertThat(node.get("/api/v1/me", "wrong").status()).isEqualTo(401);
        TestNode.Response page = node.send("GET", "/", null, null, null, "text/html");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<script type=\"module\" src=\"/js/app.js\">");
        assertThat(node.send("GET", "/webjars/uplot/1.6.30/dist/uPlot.iife.min.js", null, null, null, "*/*").status()).isEqualTo(200);
        assertThat(node.send("GET", "/js/../../../logback.xml", null, null, null, "*/*").status()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void staffSignInEnterARecordAndSeeTheFigureChange() {
        driver.get(node.url() + "/");
        signIn(STAFF_TOKEN);
        assertThat(navLinks()).containsExactly("Data entry", "Dashboard", "Programmes", "Rejections", "Imports", "Monthly cycle");

        long before = dashboardValue("social.clients_met", "PNH");
        screenshot("dashboard-before");

        openEntry("social", "client_contact");
        // The form follows the declaration: a subject block with the activity's roles and no tally table.
        assertThat(options("f-subject-role")).containsExactly("", "client", "victim", "family");
        assertThat(driver.findElements(By.id("participants"))).isEmpty();
        assertThat(options("f-office")).containsExactly("", "PNH", "SRP");
        new Select(driver.findElement(By.id("f-office"))).selectByValue("PNH");
        driver.findElement(By.id("f-subject-ref")).sendKeys("PNH-C-9001");
        new Select(driver.findElement(By.id("f-subject-role"))).selectByValue("client");
        new Select(driver.findElement(By.id("f-subject-sex"))).selectByValue("F");
        driver.findElement(By.id("f-subject-age")).sendKeys("16");
        screenshot("entry-filled");
        driver.findElement(By.id("save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("entry-status"), "Record saved."));
        // The form is empty again: no case code stays on the screen.
        assertThat(driver.findElement(By.id("f-subject-ref")).getAttribute("value")).isEmpty();

        assertThat(dashboardValue("social.clients_met", "PNH")).isEqualTo(before + 1);
        screenshot("dashboard-after");
    }

    @Test
    @Order(3)
    void clientChecksAndServerRejectionsAppearNextToTheirField() {
        openEntry("legal", "counselling");
        // With a programme chosen, its Excel template can be fetched (SpreadsheetsIT reads one).
        assertThat(driver.findElement(By.id("template")).isEnabled()).isTrue();
        new Select(driver.findElement(By.id("f-office"))).selectByValue("PNH");
        new Select(driver.findElement(By.id("f-subject-sex"))).selectByValue("M");
        driver.findElement(By.id("save")).click();
        // The browser's own check: role is required.
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("err-f-subject-role"), "subject.role is required"));
        assertThat(driver.findElement(By.id("f-subject-role")).getAttribute("aria-invalid")).isEqualTo("true");
        screenshot("entry-client-check");

        // A form gone stale (the office's deployment changed since the page loaded) passes the
        // browser's checks, and the node's rejection lands next to the office field.
        openEntry("awareness", "training");
        assertThat(driver.findElements(By.cssSelector("#participants input[type=number]"))).hasSize(9 * 4);
        ((JavascriptExecutor) driver).executeScript(
                "const s = document.getElementById('f-office'); s.add(new Option('SRP', 'SRP')); s.value = 'SRP';");
        driver.findElement(By.cssSelector("input[data-group=taxi_driver][data-sex=M]")).clear();
        driver.findElement(By.cssSelector("input[data-group=taxi_driver][data-sex=M]")).sendKeys("12");
        driver.findElement(By.id("save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("err-f-office"), "does not run the awareness programme"));
        assertThat(driver.findElement(By.id("error-summary")).getText()).contains("The node did not accept this record");
        assertThat(driver.findElement(By.id("participants-total")).getText()).isEqualTo("12");
        screenshot("entry-server-rejection");
        // Fixed on the form, the same record goes through.
        new Select(driver.findElement(By.id("f-office"))).selectByValue("PNH");
        driver.findElement(By.id("save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("entry-status"), "Record saved."));
    }

    @Test
    @Order(4)
    void recordsEnteredOfflineAreSentOnceWhenTheConnectionReturns() throws Exception {
        long males = adminValue("social.clients_met", "M");
        openEntry("social", "client_contact");

        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.emulateNetworkConditions",
                Map.of("offline", true, "latency", 0, "downloadThroughput", -1, "uploadThroughput", -1));
        new Select(driver.findElement(By.id("f-office"))).selectByValue("PNH");
        driver.findElement(By.id("f-subject-ref")).sendKeys("PNH-C-7777");
        new Select(driver.findElement(By.id("f-subject-role"))).selectByValue("victim");
        new Select(driver.findElement(By.id("f-subject-sex"))).selectByValue("M");
        driver.findElement(By.id("save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("entry-status"), "kept on this device"));
        wait.until(ExpectedConditions.attributeToBe(By.id("outbox-pending"), "data-count", "1"));
        screenshot("entry-offline");
        // What lies on the device is encrypted: the case code is nowhere in the stored bytes.
        Object raw = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "const open = indexedDB.open('tonle');"
                        + "open.onsuccess = () => { const all = open.result.transaction('outbox').objectStore('outbox').getAll();"
                        + "  all.onsuccess = () => done(all.result.map(e => ('record' in e) + ':' + (e.data instanceof ArrayBuffer) + ':'"
                        + "    + new TextDecoder().decode(e.data || new ArrayBuffer(0)).includes('PNH-C-7777')).join(',')); };"
                        + "open.onerror = () => done('error');");
        assertThat(raw).isEqualTo("false:true:false");

        // Reloaded without a connection, the page still opens (service worker, last sign-in of
        // this tab) and still holds the record.
        driver.navigate().refresh();
        wait.until(ExpectedConditions.attributeToBe(By.id("outbox-pending"), "data-count", "1"));
        assertThat(driver.findElement(By.id("program")).isDisplayed()).isTrue();
        screenshot("entry-offline-reloaded");
        long acceptedBefore = 0;   // the counts are of this page load
        assertThat(adminValue("social.clients_met", "M")).isEqualTo(males);

        driver.executeCdpCommand("Network.emulateNetworkConditions",
                Map.of("offline", false, "latency", 0, "downloadThroughput", -1, "uploadThroughput", -1));
        wait.until(ExpectedConditions.attributeToBe(By.id("outbox-pending"), "data-count", "0"));
        assertThat(driver.findElement(By.id("outbox-sent")).getAttribute("data-accepted")).isEqualTo(String.valueOf(acceptedBefore + 1));
        assertThat(adminValue("social.clients_met", "M")).isEqualTo(males + 1);

        // Another reconnect and the page's timer find nothing to send: nothing goes out twice.
        ((JavascriptExecutor) driver).executeScript("window.dispatchEvent(new Event('online'));");
        Thread.sleep(1500);   // give a wrongly repeated sending the time to happen
        assertThat(driver.findElement(By.id("outbox-sent")).getAttribute("data-accepted")).isEqualTo(String.valueOf(acceptedBefore + 1));
        assertThat(driver.findElement(By.id("outbox-sent")).getAttribute("data-duplicates")).isEqualTo("0");
        assertThat(adminValue("social.clients_met", "M")).isEqualTo(males + 1);
        Object stored = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "import('/js/outbox.js').then(m => m.entries('pnh-staff')).then(e => done(e.length), e => done('error ' + e));");
        assertThat(stored).isEqualTo(0L);
    }

    @Test
    @Order(5)
    void aHotDeployedProgrammeGetsItsFormWithNoPageCode() throws Exception {
        writeBundle(node.data().resolve("deploy/outreach.jar"), OUTREACH);
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> node.get("/api/v1/programs").body().contains("\"id\":\"outreach\""));
        openEntry("outreach", "home_visit");
        // Every attribute type of the declaration, as the declaration says.
        assertThat(driver.findElement(By.tagName("legend")).getText()).contains("optional");
        WebElement visits = driver.findElement(By.id("f-attributes-visits"));
        assertThat(visits.getAttribute("type")).isEqualTo("number");
        assertThat(visits.getAttribute("min")).isEqualTo("1");
        assertThat(visits.getAttribute("max")).isEqualTo("10");
        assertThat(driver.findElement(By.id("f-attributes-follow-up")).getAttribute("type")).isEqualTo("checkbox");
        assertThat(driver.findElement(By.id("f-attributes-next-visit")).getAttribute("type")).isEqualTo("date");
        assertThat(driver.findElement(By.id("f-attributes-note")).getAttribute("maxlength")).isEqualTo("80");
        assertThat(options("f-attributes-channel")).containsExactly("", "door", "phone");
        assertThat(driver.findElements(By.cssSelector("label[for]")).stream().map(l -> l.getAttribute("for")))
                .contains("f-attributes-visits", "f-attributes-follow-up", "f-attributes-next-visit", "f-attributes-note");
        // The browser applies the declared range before anything is sent.
        new Select(driver.findElement(By.id("f-office"))).selectByValue("PNH");
        visits.sendKeys("11");
        driver.findElement(By.id("save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("err-f-attributes-visits"), "from 1 to 10"));
        screenshot("entry-hot-deployed");
        visits.clear();
        visits.sendKeys("2");
        driver.findElement(By.id("f-attributes-note")).sendKeys("Family moved to a new village");
        driver.findElement(By.id("save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("entry-status"), "Record saved."));
        assertThat(node.get("/api/v1/indicators/outreach.home_visits/values?period=" + MONTH).json()
                .path("rows").get(0).path("value").asLong()).isEqualTo(1);
    }

    @Test
    @Order(6)
    void programmesPageListsTheBundlesAndTheirState() {
        driver.get(node.url() + "/#/programmes");
        WebElement table = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("programmes")));
        assertThat(table.findElements(By.cssSelector("tbody tr"))).hasSize(5);
        assertThat(table.findElement(By.cssSelector("tr[data-id=legal]")).getText()).contains("active");
        assertThat(table.findElement(By.cssSelector("tr[data-id=outreach]")).getText()).contains("active", "Home visit");
        screenshot("programmes");
    }

    @Test
    @Order(7)
    void aDonorSeesOnlyTheAgreedProgrammesAndSuppressedCellsAsSuppressed() throws Exception {
        // Donors are given the figures of approved months only (docs/ACCESS.md): the month is approved first.
        for (String step : List.of("submit", "approve")) {
            assertThat(node.send("POST", "/api/v1/periods/" + MONTH + "/" + step, TestNode.ADMIN_TOKEN, "application/json",
                    "{\"programs\":[\"social\",\"awareness\"]}", "application/json").status()).isEqualTo(200);
        }
        driver.findElement(By.id("signout")).click();
        signIn(DONOR_TOKEN);
        assertThat(navLinks()).containsExactly("Dashboard", "Programmes");
        driver.get(node.url() + "/#/entry");
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector("nav a[aria-current=page]"), "href", node.url() + "/#/dashboard"));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("indicator")));
        List<String> codes = options("indicator");
        assertThat(codes).contains("social.clients_met", "awareness.participants").noneMatch(c -> c.startsWith("legal."));

        long shown = dashboardValue("social.clients_met", "");
        assertThat(shown).isEqualTo(node.get("/api/v1/indicators/social.clients_met/values?period=" + MONTH, DONOR_TOKEN)
                .json().path("rows").get(0).path("value").asLong());
        // The sex breakdown as the node sends it to this donor: every suppressed cell reads "suppressed".
        JsonNode bySex = node.get("/api/v1/indicators/social.clients_met/values?period=" + MONTH + "&by=sex", DONOR_TOKEN).json().path("rows");
        // One woman and one man this month: small cells, which disclosure control withholds from donors.
        assertThat(bySex).anyMatch(row -> row.path("suppressed").asBoolean() && row.path("value").isNull());
        for (JsonNode row : bySex) {
            WebElement value = driver.findElement(By.cssSelector("table[data-dimension=sex] tr[data-key=" + row.path("sex").asText() + "] td.num"));
            assertThat(value.getText()).isEqualTo(row.path("suppressed").asBoolean() ? "suppressed" : row.path("value").asText());
        }
        screenshot("donor-dashboard");

        // The rendering itself: a cell the page receives as suppressed is "suppressed", never a
        // number, even a suppressed zero (complementary suppression may withhold zeros).
        Object rendered = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "import('/js/dashboard.js').then(m => {"
                        + "  const t = m.breakdownTable('Sex, test', 'sex', ["
                        + "    {period: '2015-08', sex: 'F', value: null, suppressed: true},"
                        + "    {period: '2015-08', sex: 'M', value: 0, suppressed: true},"
                        + "    {period: '2015-08', sex: 'X', value: 12, suppressed: false}]);"
                        + "  t.id = 'suppression-test'; document.getElementById('figures').prepend(t);"
                        + "  done([...t.querySelectorAll('td.num')].map(c => c.textContent).join('|'));"
                        + "}, e => done('error ' + e));");
        assertThat(rendered).isEqualTo("suppressed|suppressed|12");
        screenshot("donor-suppressed-rendering");
    }

    @Test
    @Order(8)
    void theDashboardDownloadsItsFiguresAsCsv() throws Exception {
        driver.findElement(By.id("csv")).click();
        Path file = downloads.resolve("social.clients_met-" + MONTH + ".csv");
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> Files.exists(file));
        String csv = Files.readString(file);
        assertThat(csv).startsWith("period,sex,value,suppressed,revision\n").contains(MONTH + ",F,");
    }

    // ---- helpers

    /** A programme with no code, one of every attribute type, that no page knows of. */
    static final String OUTREACH = """
            id: outreach
            name: Community outreach
            department: outreach team
            activities:
              - id: home_visit
                name: Home visit
                subject: optional
                roles: [child, caregiver]
                attributes:
                  - {name: visits, type: integer, min: 1, max: 10, required: true}
                  - {name: follow_up, type: boolean}
                  - {name: next_visit, type: date}
                  - {name: note, type: text, max_length: 80}
                  - {name: channel, type: enum, values: [door, phone]}
            indicators:
              - code: outreach.home_visits
                name: Home visits
                measure: records
                activity: home_visit
                by: [office, channel]
            """;

    static void writeBundle(Path jar, String yaml) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", "org.tonle.test.outreach");
        main.putValue("Bundle-Version", "1.0.0");
        main.putValue("Tonle-Programme", "TONLE-INF/programme.yaml");
        Path partial = jar.resolveSibling(jar.getFileName() + ".part");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(partial), manifest)) {
            out.putNextEntry(new JarEntry("TONLE-INF/programme.yaml"));
            out.write(yaml.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        // Whole or not at all: FileInstall must never pick up half a jar.
        Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE);
    }

    private void signIn(String token) {
        // People sign in with a name and password (OfficePagesIT); a token is behind its own summary.
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#token-details summary"))).click();
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        input.sendKeys(token);
        driver.findElement(By.cssSelector("#token-signin button[type=submit]")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("signout")));
    }

    private List<String> navLinks() {
        return driver.findElements(By.cssSelector("nav a[data-page]")).stream().map(WebElement::getText).toList();
    }

    private List<String> options(String selectId) {
        return new Select(driver.findElement(By.id(selectId))).getOptions().stream().map(o -> o.getAttribute("value")).toList();
    }

    @Test
    @Order(9)
    void theDashboardDrawsTheMonthsOwnTargetsBesideItsFigures() throws Exception {
        // config/targets.yaml gives social.clients_met a target of 150 for July to September 2015
        // and only a yearly one for other months: the table's Target column and the chart's
        // target line carry the month's own targets, never the year's.
        // As an admin: a donor reads only approved months, and 2015-09 is not approved here.
        driver.findElement(By.id("signout")).click();
        signIn(TestNode.ADMIN_TOKEN);
        driver.get(node.url() + "/#/dashboard?i=social.clients_met&m=2015-09");
        By august = By.cssSelector("#monthly tr[data-period='2015-08'] td:nth-of-type(2)");
        assertThat(wait.until(ExpectedConditions.presenceOfElementLocated(august)).getText()).isEqualTo("150");
        assertThat(driver.findElement(By.cssSelector("#monthly tr[data-period='2015-06'] td:nth-of-type(2)")).getText()).isEmpty();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart .uplot")));
        assertThat(driver.findElements(By.cssSelector("#chart .u-legend th")).stream().map(WebElement::getText))
                .anyMatch(label -> label.contains("target"));
        assertThat(driver.findElement(By.id("progress")).getText()).contains("2015-09", "of 150");
        screenshot("dashboard-targets");
    }

    private void openEntry(String programme, String activity) {
        driver.findElement(By.linkText("Data entry")).click();
        new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("program")))).selectByValue(programme);
        new Select(driver.findElement(By.id("type"))).selectByValue(activity);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("save")));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("outbox-sent")));
    }

    /** The dashboard's figure for this month, read from its monthly table. */
    private long dashboardValue(String code, String office) {
        driver.findElement(By.linkText("Dashboard")).click();
        new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("indicator")))).selectByValue(code);
        Select offices = new Select(driver.findElement(By.id("office")));
        if (!offices.getFirstSelectedOption().getAttribute("value").equals(office)) {
            offices.selectByValue(office);
        }
        // The table of this indicator and office, not the one it replaces while the new one loads.
        By cell = By.cssSelector("#monthly[data-indicator='" + code + "'][data-office='" + office + "'] tr[data-period='" + MONTH
                + "'] td[data-value]");
        WebElement value = wait.until(ExpectedConditions.presenceOfElementLocated(cell));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart .uplot")));
        return Long.parseLong(value.getAttribute("data-value"));
    }

    private long adminValue(String code, String sex) {
        JsonNode rows = node.get("/api/v1/indicators/" + code + "/values?period=" + MONTH + "&by=sex").json().path("rows");
        for (JsonNode row : rows) {
            if (row.path("sex").asText().equals(sex)) {
                return row.path("value").asLong();
            }
        }
        throw new AssertionError("no " + sex + " row in " + rows);
    }

    private void screenshot(String name) {
        try {
            // The whole page, not only the window: CDP captures beyond the viewport.
            Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
                    Map.of("format", "png", "captureBeyondViewport", true));
            Files.write(shots.resolve(name + ".png"), Base64.getDecoder().decode((String) shot.get("data")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
