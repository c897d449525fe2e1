package org.tonle.host.pages;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.host.TestNode;
import org.tonle.warehouse.LanguagePreferences;

/**
 * The pages an office needs every day, in a real headless Chromium against a real node: sign-in
 * with a name and password (session cookie, csrf token honoured), a record saved through the
 * session, an import with its progress, a rejection fixed and replayed, the page in Khmer and a
 * stored language choice, sign-out, the lock-out message, and an admin adding a user and
 * reading the audit log. The endpoints added for these pages (dismissing a rejection, the
 * language choice, audit paging) are tested through HTTP first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OfficePagesIT {

    static final String OFFICER = "pnh-officer";
    static final String OFFICER_PASSWORD = "mekong river 2015";
    static final String ADMIN = "hq-admin";
    static final String ADMIN_PASSWORD = "tonle sap lake 1";
    static final String ANALYST_TOKEN = "office-pages-analyst";
    static final String CSV_HEADER = "id,program,type,office,date,count,subject_ref,subject_role,subject_sex,subject_age,attr.setting,attr.topic,participants";

    TestNode node;
    Chromium chromium;
    ChromeDriver driver;
    WebDriverWait wait;
    Path root;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        this.root = root;
        // Batches of 500 records, so that an import of a few thousand shows its counts moving.
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Path settings = root.resolve("config/tonle.yaml");
        String yaml = Files.readString(settings);
        assertThat(yaml).contains("batch_size: 5000");
        Files.writeString(settings, yaml.replace("batch_size: 5000", "batch_size: 500"));
        node = TestNode.start(root);
        node.node().access().add(new Caller("analyst", Role.ANALYST, Set.of(), Set.of()), ANALYST_TOKEN);
        addUser(OFFICER, "staff", "[\"PNH\"]", OFFICER_PASSWORD);
        addUser(ADMIN, "admin", "[]", ADMIN_PASSWORD);
        addUser("locked-out", "staff", "[\"PNH\"]", "a long password 1");
        chromium = Chromium.start(root.resolve("chrome"));
        driver = chromium.driver;
        wait = chromium.wait;
    }

    @AfterAll
    void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (node != null) {
            node.close();
        }
    }

    // ---- through HTTP

    @Test
    @Order(1)
    void aRejectionIsDismissedWithAReasonThroughHttp() {
        String bad = "{\"id\":\"7a1c2b9e-0000-4000-8000-000000000001\",\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"PNH\","
                + "\"date\":\"2015-08-03\",\"subject\":{\"ref\":\"DISMISS-C-1\",\"role\":\"client\",\"sex\":\"Q\"}}";
        assertThat(node.post("/api/v1/activities", bad).json().path("rejected")).hasSize(1);
        JsonNode open = rejectionOf("7a1c2b9e-0000-4000-8000-000000000001", "open");
        long id = open.path("id").asLong();
        String body = "{\"ids\": [" + id + "], \"reason\": \"a test record entered during training\"}";

        assertThat(node.send("POST", "/api/v1/rejections/dismiss", TestNode.ADMIN_TOKEN, "application/json",
                "{\"ids\": [" + id + "], \"reason\": \"  \"}", null).status()).isEqualTo(400);
        assertThat(node.send("POST", "/api/v1/rejections/dismiss", TestNode.ADMIN_TOKEN, "application/json",
                "{\"ids\": [" + id + "], \"reason\": \"" + "x".repeat(501) + "\"}", null).status()).isEqualTo(400);
        assertThat(node.send("POST", "/api/v1/rejections/dismiss", ANALYST_TOKEN, "application/json", body, null).status()).isEqualTo(403);
        assertThat(node.send("POST", "/api/v1/rejections/dismiss", null, "application/json", body, null).status()).isEqualTo(401);
        TestNode.Response dismissed = node.send("POST", "/api/v1/rejections/dismiss", TestNode.ADMIN_TOKEN, "application/json", body, null);
        assertThat(dismissed.status()).as(dismissed.body()).isEqualTo(200);
        assertThat(dismissed.json().path("dismissed").asInt()).isEqualTo(1);

        JsonNode listed = rejectionOf("7a1c2b9e-0000-4000-8000-000000000001", "dismissed");
        assertThat(listed.path("status").asText()).isEqualTo("dismissed");
        assertThat(listed.path("dismissal").path("reason").asText()).isEqualTo("a test record entered during training");
        assertThat(listed.path("dismissal").path("principal").asText()).isEqualTo("admin");
        assertThat(node.get("/api/v1/rejections?status=open").body()).doesNotContain("7a1c2b9e-0000-4000-8000-000000000001");
        // Dismissed once: it is no longer open, so neither a second dismissal nor a replay touches it.
        assertThat(node.send("POST", "/api/v1/rejections/dismiss", TestNode.ADMIN_TOKEN, "application/json", body, null).status()).isEqualTo(404);
        assertThat(node.post("/api/v1/rejections/replay", "{\"ids\": [" + id + "]}").json().path("replayed").asInt()).isZero();
        // Audited without the reason (which is free text).
        JsonNode audit = node.get("/api/v1/audit?action=write&limit=20").json().path("entries");
        assertThat(audit).anyMatch(e -> e.path("endpoint").asText().equals("POST /api/v1/rejections/dismiss") && e.path("rowCount").asLong() == 1);
        assertThat(audit.toString()).doesNotContain("during training");
    }

    @Test
    @Order(2)
    void theLanguageChoiceIsStoredPerPrincipalAndTheAuditLogPages() {
        assertThat(node.get("/api/v1/me/language", ANALYST_TOKEN).json().path("language").isNull()).isTrue();
        assertThat(node.send("PUT", "/api/v1/me/language", ANALYST_TOKEN, "application/json", "{\"language\":\"fr\"}", null).status()).isEqualTo(400);
        assertThat(node.send("PUT", "/api/v1/me/language", ANALYST_TOKEN, "application/json", "{\"language\":\"km\"}", null).json()
                .path("language").asText()).isEqualTo("km");
        assertThat(node.get("/api/v1/me/language", ANALYST_TOKEN).json().path("language").asText()).isEqualTo("km");
        assertThat(node.get("/api/v1/me/language").json().path("language").isNull()).isTrue();   // the admin chose nothing
        assertThat(node.send("GET", "/api/v1/me/language", null, null, null, null).status()).isEqualTo(401);

        JsonNode first = node.get("/api/v1/audit?limit=3").json().path("entries");
        assertThat(first).hasSize(3);
        long last = first.get(2).path("id").asLong();
        JsonNode next = node.get("/api/v1/audit?limit=3&before=" + last).json().path("entries");
        assertThat(next).isNotEmpty().allMatch(e -> e.path("id").asLong() < last);
        assertThat(node.get("/api/v1/audit?before=yesterday").status()).isEqualTo(400);
    }

    // ---- in the browser

    @Test
    @Order(3)
    void anOfficerSignsInWithNameAndPasswordAndSavesARecordThroughTheSession() {
        driver.get(node.url() + "/");
        signIn(OFFICER, OFFICER_PASSWORD);
        assertThat(navLinks()).containsExactly("Data entry", "Dashboard", "Programmes", "Rejections", "Imports", "Monthly cycle");
        // The session cookie is HttpOnly: no script of the page can read it.
        assertThat((String) driver.executeScript("return document.cookie")).doesNotContain("tonle_session");
        long before = clientsMet();

        new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("program")))).selectByValue("social");
        new Select(driver.findElement(By.id("type"))).selectByValue("client_contact");
        new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("f-office")))).selectByValue("PNH");
        new Select(driver.findElement(By.id("f-subject-role"))).selectByValue("client");
        new Select(driver.findElement(By.id("f-subject-sex"))).selectByValue("F");
        driver.findElement(By.id("save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("entry-status"), "Record saved."));
        assertThat(clientsMet()).isEqualTo(before + 1);

        // The csrf token is what made that POST pass: the same cookie without the header is refused.
        Object status = chromium.async("const done = arguments[arguments.length - 1];"
                + "fetch('/api/v1/activities', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '[]'})"
                + ".then(r => done(r.status), e => done('error ' + e));");
        assertThat(status).isEqualTo(403L);
        chromium.screenshot("office-entry-session");
    }

    @Test
    @Order(4)
    void anImportShowsItsProgressAndItsRejections() throws Exception {
        // 4000 rows, the last one with a sex the programme does not know; sent slowly enough to watch.
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (int i = 1; i < 4000; i++) {
            csv.append("IMP-").append(i).append(",social,client_contact,PNH,2015-07-").append(String.format("%02d", 1 + i % 28))
                    .append(",,IMP-C-").append(i).append(",client,").append(i % 2 == 0 ? "F" : "M").append(",15,shelter,,\n");
        }
        csv.append("IMP-4000,social,client_contact,PNH,2015-07-20,,IMP-C-4000,client,Q,15,shelter,,\n");
        Path file = root.resolve("office-import.csv");
        Files.writeString(file, csv, StandardCharsets.UTF_8);

        driver.findElement(By.cssSelector("nav a[data-page=imports]")).click();
        WebElement input = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("import-file")));
        input.sendKeys(file.toString());
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.emulateNetworkConditions",
                Map.of("offline", false, "latency", 5, "downloadThroughput", -1, "uploadThroughput", Files.size(file) / 6));
        try {
            driver.findElement(By.id("import-start")).click();
            // While the file goes up, the node's counts move: a running job with rows already read.
            wait.until(d -> String.valueOf(d.findElement(By.id("import-counts")).getAttribute("data-seen")).matches(".*r[1-9][0-9]*;.*"));
            chromium.screenshot("office-import-progress");
            WebElement summary = new WebDriverWait(driver, Duration.ofSeconds(90))
                    .until(ExpectedConditions.presenceOfElementLocated(By.id("import-summary")));
            assertThat(summary.getAttribute("data-accepted")).isEqualTo("3999");
            assertThat(summary.getAttribute("data-rejected")).isEqualTo("1");
        } finally {
            driver.executeCdpCommand("Network.emulateNetworkConditions",
                    Map.of("offline", false, "latency", 0, "downloadThroughput", -1, "uploadThroughput", -1));
        }
        assertThat(Long.parseLong(driver.findElement(By.id("upload-bar")).getAttribute("value"))).isEqualTo(Files.size(file));
        assertThat(driver.findElement(By.cssSelector("#import-rejections tr[data-line='4001']")).getText()).contains("subject.sex");
        chromium.screenshot("office-import-done");
    }

    @Test
    @Order(5)
    void aRejectionIsFixedOnItsFieldAndReplayed() {
        driver.findElement(By.linkText("Fix or dismiss them on the rejections page")).click();
        WebElement card = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("section.card li[data-field='subject.sex']")))
                .findElement(By.xpath("./ancestor::section"));
        // The node kept no value that failed its check; the field offers the declared choices.
        assertThat(card.getText()).contains("The value sent is not kept");
        Select fix = new Select(card.findElement(By.cssSelector("select[data-field='subject.sex']")));
        assertThat(fix.getFirstSelectedOption().getAttribute("value")).isEmpty();
        fix.selectByValue("F");
        chromium.screenshot("office-rejection-fix");
        card.findElement(By.cssSelector("button[data-action=replay]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("rejections-said"), "The record was accepted."));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("no-rejections")));
        JsonNode replayed = node.get("/api/v1/rejections?status=replayed").json();
        assertThat(replayed).anyMatch(r -> r.path("field").asText().equals("subject.sex") && r.path("principal").asText().equals(OFFICER));
    }

    @Test
    @Order(6)
    void thePagesSpeakKhmerAndKeepAPersonsChoice() throws Exception {
        driver.get(node.url() + "/?lang=km#/entry");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("nav a[data-page=entry]"), "បញ្ចូលទិន្នន័យ"));
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("km");
        assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("បញ្ចូលទិន្នន័យ");
        assertThat(driver.findElement(By.id("signout")).getText()).isEqualTo("ចាកចេញ");
        // A Khmer-capable font is asked for, and the plural message is Khmer too.
        assertThat((String) driver.executeScript("return getComputedStyle(document.body).fontFamily")).contains("Khmer");
        assertThat(driver.findElement(By.id("outbox-pending")).getText()).contains("គ្មានអ្វីរង់ចាំផ្ញើទេ");
        Path shot = chromium.screenshot("khmer-entry");
        assertThat(Files.size(shot)).isGreaterThan(1000);

        // Chosen with the switch, the language is stored for the person and is theirs at the next sign-in.
        driver.get(node.url() + "/#/dashboard");
        new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("language")))).selectByValue("en");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("nav a[data-page=dashboard]"), "Dashboard"));
        new Select(driver.findElement(By.id("language"))).selectByValue("km");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("nav a[data-page=dashboard]"), "ផ្ទាំងសង្ខេប"));
        LanguagePreferences stored = new LanguagePreferences(node.node().warehouse());
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> stored.get(OFFICER).orElse("").equals("km"));
        driver.findElement(By.id("signout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("name")));
        // A new tab on a new device would ask the browser; this one asks in English for the sign-in.
        new Select(driver.findElement(By.id("language"))).selectByValue("en");
        signIn(OFFICER, OFFICER_PASSWORD);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("nav a[data-page=entry]"), "បញ្ចូលទិន្នន័យ"));
        new Select(driver.findElement(By.id("language"))).selectByValue("en");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("nav a[data-page=entry]"), "Data entry"));
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> stored.get(OFFICER).orElse("").equals("en"));
    }

    @Test
    @Order(7)
    void signingOutEndsTheSession() {
        driver.findElement(By.id("signout")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("signin-notice"), "You are signed out."));
        Object status = chromium.async("const done = arguments[arguments.length - 1];"
                + "fetch('/api/v1/me').then(r => done(r.status), e => done('error ' + e));");
        assertThat(status).isEqualTo(401L);
        chromium.screenshot("office-signed-out");
    }

    @Test
    @Order(8)
    void aWrongPasswordAndTheLockOutAreSaidReadably() {
        driver.get(node.url() + "/");
        typeSignIn("locked-out", "not the password");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("signin-error"), "The name or the password is not right."));
        for (int i = 0; i < 4; i++) {
            assertThat(node.send("POST", "/api/v1/session", null, "application/json",
                    "{\"name\":\"locked-out\",\"password\":\"still wrong " + i + "\"}", null).status()).isEqualTo(401);
        }
        typeSignIn("locked-out", "a long password 1");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("signin-error"), "Too many failed sign-ins for this name."));
        assertThat(driver.findElement(By.id("signin-error")).getText()).containsPattern("Try again in 1[0-5] minutes");
        assertThat(driver.findElements(By.id("signout"))).isEmpty();
        chromium.screenshot("office-locked-out");
    }

    @Test
    @Order(9)
    void anAdminAddsAUserAndReadsTheAuditLog() {
        driver.get(node.url() + "/");
        signIn(ADMIN, ADMIN_PASSWORD);
        assertThat(navLinks()).contains("Users", "Audit log");
        driver.findElement(By.cssSelector("nav a[data-page=users]")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#users-table tr[data-user='" + OFFICER + "']")));
        driver.findElement(By.id("user-name")).sendKeys("srp-officer");
        new Select(driver.findElement(By.id("user-role"))).selectByValue("staff");
        driver.findElement(By.id("user-offices")).sendKeys("SRP");
        driver.findElement(By.id("user-password")).sendKeys("angkor wat morning");
        driver.findElement(By.id("user-add-submit")).click();
        WebElement row = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#users-table tr[data-user=srp-officer]")));
        assertThat(row.getText()).contains("staff", "SRP", "active");
        JsonNode users = node.get("/api/v1/users").json().path("users");
        assertThat(users).anyMatch(u -> u.path("name").asText().equals("srp-officer") && u.path("offices").toString().contains("SRP"));
        assertThat(node.send("POST", "/api/v1/session", null, "application/json",
                "{\"name\":\"srp-officer\",\"password\":\"angkor wat morning\"}", null).status()).isEqualTo(200);
        chromium.screenshot("office-users");

        row.findElement(By.cssSelector("button[data-action=toggle]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#users-table tr[data-user=srp-officer] td.state"), "disabled"));
        assertThat(node.send("POST", "/api/v1/session", null, "application/json",
                "{\"name\":\"srp-officer\",\"password\":\"angkor wat morning\"}", null).status()).isEqualTo(401);

        driver.findElement(By.cssSelector("nav a[data-page=audit]")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("audit-table")));
        driver.findElement(By.id("audit-action")).sendKeys("user-add");
        driver.findElement(By.cssSelector("#audit-filters button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-table"), ADMIN));
        assertThat(driver.findElements(By.cssSelector("#audit-table tbody tr"))).hasSizeGreaterThanOrEqualTo(4);   // three set up, one here
        assertThat(driver.findElements(By.cssSelector("#audit-table tbody tr"))).allMatch(r -> r.getText().contains("user-add"));
        // Paging: the whole log has more than one page of fifty (each listing of rejections is a read).
        for (int i = 0; i < 60; i++) {
            node.get("/api/v1/rejections?limit=1");
        }
        driver.findElement(By.id("audit-action")).clear();
        driver.findElement(By.cssSelector("#audit-filters button[type=submit]")).click();
        wait.until(d -> d.findElements(By.cssSelector("#audit-table tbody tr")).size() == 50);
        long newest = Long.parseLong(driver.findElement(By.cssSelector("#audit-table tbody tr")).getAttribute("data-id"));
        driver.findElement(By.id("audit-older")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("audit-table"), "data-page", "1"));
        assertThat(Long.parseLong(driver.findElement(By.cssSelector("#audit-table tbody tr")).getAttribute("data-id"))).isLessThan(newest - 49);
        chromium.screenshot("office-audit");
    }

    @Test
    @Order(10)
    void everyMessageExistsInBothLanguagesAndFormatsWithTheSameValues() {
        // In the browser, with the library the pages use: each message parses as ICU, and the Khmer
        // one takes the same values as the English one.
        Object problems = chromium.async("const done = arguments[arguments.length - 1];"
                + "Promise.all([import('/vendor/intl-messageformat-10.7.16/intl-messageformat.esm.js'),"
                + "  fetch('/i18n/en.json').then(r => r.json()), fetch('/i18n/km.json').then(r => r.json())])"
                + ".then(([m, en, km]) => {"
                + "  const args = (text, lang) => new Set(new m.IntlMessageFormat(text, lang).getAst()"
                + "    .flatMap(function walk(e) { return (e.type !== 0 ? [e.value] : []).concat(e.options ? Object.values(e.options).flatMap(o => o.value.flatMap(walk)) : []); })"
                + "    .filter(v => typeof v === 'string'));"
                + "  const out = [];"
                + "  for (const k of new Set([...Object.keys(en), ...Object.keys(km)])) {"
                + "    if (!(k in en) || !(k in km)) { out.push('missing ' + k); continue; }"
                + "    try { const a = [...args(en[k], 'en')].sort().join(), b = [...args(km[k], 'km')].sort().join();"
                + "      if (a !== b) out.push(k + ': ' + a + ' vs ' + b);"
                + "      new m.IntlMessageFormat(km[k], 'km'); } catch (e) { out.push(k + ': ' + e.message); }"
                + "  }"
                + "  done(out.join('\\n') + '|' + Object.keys(en).length);"
                + "}, e => done('error ' + e));");
        String answer = String.valueOf(problems);
        assertThat(answer).startsWith("|");
        assertThat(Integer.parseInt(answer.substring(1))).isGreaterThan(200);
        // Plural rules are the language's: English says "1 minute" and "15 minutes", Khmer has one form.
        Object plural = chromium.async("const done = arguments[arguments.length - 1];"
                + "import('/js/i18n.js').then(async i => { await i.setLanguage('en'); const one = i.t('signin.locked', {minutes: 1});"
                + "  const many = i.t('signin.locked', {minutes: 15}); await i.setLanguage('km'); const km = i.t('signin.locked', {minutes: 15});"
                + "  await i.setLanguage('en'); done([one, many, km].join('|')); }, e => done('error ' + e));");
        assertThat(String.valueOf(plural).split("\\|")).satisfiesExactly(
                one -> assertThat(one).contains("in 1 minute,"),
                many -> assertThat(many).contains("in 15 minutes,"),
                km -> assertThat(km).contains("15 នាទី"));
    }

    // ---- helpers

    private void addUser(String name, String role, String offices, String password) {
        TestNode.Response added = node.post("/api/v1/users", "{\"name\":\"" + name + "\",\"role\":\"" + role + "\",\"offices\":" + offices
                + ",\"programs\":[],\"password\":\"" + password + "\"}");
        assertThat(added.status()).as(added.body()).isEqualTo(201);
    }

    private JsonNode rejectionOf(String recordId, String status) {
        for (JsonNode r : node.get("/api/v1/rejections?status=" + status).json()) {
            if (r.path("recordId").asText().equals(recordId)) {
                return r;
            }
        }
        throw new AssertionError("no " + status + " rejection of " + recordId);
    }

    private void typeSignIn(String name, String password) {
        WebElement nameInput = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("name")));
        nameInput.clear();
        nameInput.sendKeys(name);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.cssSelector("#signin button[type=submit]")).click();
    }

    private void signIn(String name, String password) {
        typeSignIn(name, password);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("signout")));
    }

    private List<String> navLinks() {
        return driver.findElements(By.cssSelector("nav a[data-page]")).stream().map(WebElement::getText).toList();
    }

    private long clientsMet() {
        JsonNode rows = node.get("/api/v1/indicators/social.clients_met/values?period=" + YearMonth.now() + "&office=PNH").json().path("rows");
        return rows.isEmpty() ? 0 : rows.get(0).path("value").asLong();
    }
}
