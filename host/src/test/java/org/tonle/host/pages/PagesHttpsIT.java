package org.tonle.host.pages;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.host.TestNode;
import org.tonle.host.auth.UserFile;
import org.tonle.host.cli.TonleCommand;

/**
 * The pages over HTTPS on an office LAN name, not localhost: a browser gives WebCrypto and service
 * workers only to a secure context, which a LAN address over plain HTTP is not. The node serves
 * TLS with the pair {@code bin/tonle cert} made; Chromium trusts exactly that certificate (its
 * public key's SHA-256, {@code --ignore-certificate-errors-spki-list}) and resolves
 * {@code tonle-office.lan} to the node's loopback port ({@code --host-resolver-rules}), so the
 * origin is {@code https://tonle-office.lan:PORT}. There the service worker takes control, the
 * outbox keeps a record encrypted while offline, the page reloads offline from the worker, and the
 * record goes out once the connection returns.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PagesHttpsIT {

    static final String HOST = "tonle-office.lan";
    static final String PASSWORD = "battambang rice 7";

    TestNode node;
    Chromium chromium;
    ChromeDriver driver;
    String origin;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        Path tls = root.resolve("secrets-tls");
        assertThat(TonleCommand.run("cert", "--out", tls.toString(), "--host", HOST, "--ip", "127.0.0.1")).isZero();
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Path settings = root.resolve("config/tonle.yaml");
        Files.writeString(settings, Files.readString(settings).replace("\nhttp:\n", "\nhttp:\n  tls:\n    keystore: " + tls.resolve("tonle.p12")
                + "\n    password_file: " + tls.resolve("tonle.password") + "\n"));
        node = TestNode.start(root);
        assertThat(node.url()).startsWith("https://127.0.0.1:");
        node.node().accounts().add(new Caller("admin", Role.ADMIN, Set.of(), Set.of()),
                new UserFile.User("lan-officer", Role.STAFF, List.of("PNH"), List.of(), false, null), PASSWORD.toCharArray());
        origin = "https://" + HOST + ":" + URI.create(node.url()).getPort();
        chromium = Chromium.start(root.resolve("chrome"),
                "--host-resolver-rules=MAP " + HOST + " 127.0.0.1",
                "--ignore-certificate-errors-spki-list=" + spkiHash(tls.resolve("tonle.crt")));
        driver = chromium.driver;
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

    /** Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium wants it. */
    static String spkiHash(Path certificate) throws Exception {
        try (InputStream in = Files.newInputStream(certificate)) {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded()));
        }
    }

    @Test
    void onALanNameOverHttpsTheServiceWorkerAndTheEncryptedOutboxWork() {
        driver.get(origin + "/");
        chromium.wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("name"))).sendKeys("lan-officer");
        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        driver.findElement(By.cssSelector("#signin button[type=submit]")).click();
        chromium.wait.until(ExpectedConditions.presenceOfElementLocated(By.id("signout")));
        JavascriptExecutor js = driver;
        assertThat(js.executeScript("return location.hostname")).isEqualTo(HOST);
        assertThat(js.executeScript("return location.protocol")).isEqualTo("https:");
        assertThat(js.executeScript("return window.isSecureContext")).isEqualTo(true);
        assertThat(js.executeScript("return !!(crypto.subtle && crypto.randomUUID)")).isEqualTo(true);
        // The service worker installs and takes control of the page.
        assertThat(chromium.async("const done = arguments[arguments.length - 1];"
                + "navigator.serviceWorker.ready.then(r => done(!!r.active), e => done('error ' + e));")).isEqualTo(true);
        chromium.wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript("return !!navigator.serviceWorker.controller")));

        openEntry();
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.emulateNetworkConditions",
                Map.of("offline", true, "latency", 0, "downloadThroughput", -1, "uploadThroughput", -1));
        new Select(driver.findElement(By.id("f-office"))).selectByValue("PNH");
        driver.findElement(By.id("f-subject-ref")).sendKeys("LAN-C-4242");
        new Select(driver.findElement(By.id("f-subject-role"))).selectByValue("client");
        new Select(driver.findElement(By.id("f-subject-sex"))).selectByValue("F");
        driver.findElement(By.id("save")).click();
        chromium.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("entry-status"), "kept on this device"));
        chromium.wait.until(ExpectedConditions.attributeToBe(By.id("outbox-pending"), "data-count", "1"));
        // Sealed with AES-GCM under the key derived from the password: the case code is not in the stored bytes.
        Object raw = chromium.async("const done = arguments[arguments.length - 1];"
                + "const open = indexedDB.open('tonle');"
                + "open.onsuccess = () => { const all = open.result.transaction('outbox').objectStore('outbox').getAll();"
                + "  all.onsuccess = () => done(all.result.map(e => ('record' in e) + ':' + (e.data instanceof ArrayBuffer) + ':'"
                + "    + new TextDecoder().decode(e.data || new ArrayBuffer(0)).includes('LAN-C-4242')).join(',')); };"
                + "open.onerror = () => done('error');");
        assertThat(raw).isEqualTo("false:true:false");

        // Reloaded without a connection, the page comes from the service worker and still holds the record.
        driver.navigate().refresh();
        chromium.wait.until(ExpectedConditions.attributeToBe(By.id("outbox-pending"), "data-count", "1"));
        chromium.screenshot("https-lan-offline-reloaded");

        driver.executeCdpCommand("Network.emulateNetworkConditions",
                Map.of("offline", false, "latency", 0, "downloadThroughput", -1, "uploadThroughput", -1));
        chromium.wait.until(ExpectedConditions.attributeToBe(By.id("outbox-pending"), "data-count", "0"));
        assertThat(driver.findElement(By.id("outbox-sent")).getAttribute("data-accepted")).isEqualTo("1");
    }

    private void openEntry() {
        driver.findElement(By.cssSelector("nav a[data-page=entry]")).click();
        new Select(chromium.wait.until(ExpectedConditions.elementToBeClickable(By.id("program")))).selectByValue("social");
        new Select(driver.findElement(By.id("type"))).selectByValue("client_contact");
        chromium.wait.until(ExpectedConditions.presenceOfElementLocated(By.id("save")));
        chromium.wait.until(ExpectedConditions.presenceOfElementLocated(By.id("outbox-sent")));
    }
}
