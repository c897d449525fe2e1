package org.tonle.host.pages;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.tonle.host.TestNode;

/** One headless Chromium (Debian's, with its chromedriver) for a browser test class, and its screenshots. */
final class Chromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    final ChromeDriver driver;
    final WebDriverWait wait;
    final Path shots;

    private Chromium(ChromeDriver driver, Path shots) {
        this.driver = driver;
        this.wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        this.wait.ignoring(StaleElementReferenceException.class);   // the pages re-render parts as answers come
        this.shots = shots;
    }

    /** A phone-sized headless Chromium with its profile in {@code profile}; {@code extra} arguments added. */
    static Chromium start(Path profile, String... extra) throws IOException {
        return start(profile, true, extra);
    }

    /** A desktop-sized one, for the pages an office uses at a desk (tables of a month's cells, reviews). */
    static Chromium desktop(Path profile) throws IOException {
        return start(profile, false, "--window-size=1000,1400");
    }

    private static Chromium start(Path profile, boolean phone, String... extra) throws IOException {
        assumeTrue(Files.isExecutable(BINARY) && Files.isExecutable(DRIVER),
                "Debian chromium and chromedriver are not installed at /usr/bin (bin/test installs them): browser tests skipped");
        // The driver path is given explicitly so that Selenium Manager never tries to download one.
        System.setProperty("webdriver.chrome.driver", DRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY.toFile());
        List<String> arguments = new ArrayList<>(List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + Files.createDirectories(profile), "--window-size=600,1400"));
        arguments.addAll(List.of(extra));
        options.addArguments(arguments);
        if (phone) {
            options.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics", Map.of("width", 390, "height", 1400, "pixelRatio", 1.0)));
        }
        Path shots = Files.createDirectories(TestNode.repository().resolve("host/target/pages-screenshots"));
        return new Chromium(new ChromeDriver(service, options), shots);
    }

    /** The whole page as a PNG under host/target/pages-screenshots/. */
    Path screenshot(String name) {
        try {
            Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
            Path file = shots.resolve(name + ".png");
            Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens the pages at {@code url} and signs in with a machine's token (people use a name and password). */
    void signInWithToken(String url, String token) {
        driver.get(url + "/");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#token-details summary"))).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys(token);
        driver.findElement(By.cssSelector("#token-signin button[type=submit]")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("signout")));
    }

    /** Runs an async script whose last argument is its callback. */
    Object async(String script, Object... arguments) {
        return driver.executeAsyncScript(script, arguments);
    }

    @Override
    public void close() {
        driver.quit();
    }
}
