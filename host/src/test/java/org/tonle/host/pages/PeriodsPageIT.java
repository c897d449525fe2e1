package org.tonle.host.pages;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.tonle.host.TestNode;

/**
 * The monthly cycle's page in headless Chromium (DESIGN.md 9.3): an admin sees August 2015's
 * cells, submits one office and programme, approves it, is refused a reopen without a reason
 * and reopens it with one; the node's answers and the audit say the same. Screenshots under
 * host/target/pages-screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeriodsPageIT {

    TestNode node;
    Chromium chromium;
    ChromeDriver driver;
    WebDriverWait wait;

    @BeforeAll
    void start(@TempDir Path root) throws IOException {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        node = TestNode.start(root);
        chromium = Chromium.desktop(root.resolve("chrome"));
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

    String state(String office, String program) {
        for (var cell : node.get("/api/v1/periods/2015-08").json().path("cells")) {
            if (cell.path("office").asText().equals(office) && cell.path("program").asText().equals(program)) {
                return cell.path("state").asText();
            }
        }
        throw new AssertionError("no cell " + office + "/" + program);
    }

    WebElement row(String office, String program) {
        return wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#periods-table tr[data-office='" + office + "'][data-program='" + program + "']")));
    }

    void waitForState(String office, String program, String state) {
        wait.until(d -> state.equals(row(office, program).getAttribute("data-state")));
    }

    @Test
    void anAdminSubmitsApprovesAndReopensWithAReason() {
        chromium.signInWithToken(node.url(), TestNode.ADMIN_TOKEN);
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("nav a[data-page=periods]"))).click();
        WebElement month = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("periods-month")));
        driver.executeScript("arguments[0].value = '2015-08'; arguments[0].dispatchEvent(new Event('change'));", month);
        wait.until(d -> d.findElement(By.id("periods-status")).getText().startsWith("2015-08"));
        assertThat(row("PNH", "legal").getText()).contains("PNH", "legal", "open");
        screenshot("periods-open");

        row("PNH", "legal").findElement(By.cssSelector("button[data-step=submit]")).click();
        waitForState("PNH", "legal", "submitted");
        assertThat(state("PNH", "legal")).isEqualTo("submitted");
        assertThat(state("SRP", "legal")).as("only the row's own cell").isEqualTo("open");

        row("PNH", "legal").findElement(By.cssSelector("button[data-step=approve]")).click();
        waitForState("PNH", "legal", "approved");
        assertThat(row("PNH", "legal").getText()).contains("admin");
        assertThat(state("PNH", "legal")).isEqualTo("approved");
        screenshot("periods-approved");

        // Reopening needs a reason: the node refuses, and the page shows its answer.
        row("PNH", "legal").findElement(By.cssSelector("button[data-step=reopen]")).click();
        wait.until(d -> d.findElement(By.id("periods-error")).getText().contains("reason"));
        assertThat(state("PNH", "legal")).isEqualTo("approved");
        driver.findElement(By.id("periods-reason")).sendKeys("late records from the hotline");
        row("PNH", "legal").findElement(By.cssSelector("button[data-step=reopen]")).click();
        waitForState("PNH", "legal", "open");
        assertThat(state("PNH", "legal")).isEqualTo("open");
        assertThat(node.get("/api/v1/audit?limit=50").body()).contains("late records from the hotline");
        screenshot("periods-reopened");

        // The same page in Khmer.
        driver.get(node.url() + "/?lang=km#/periods");
        wait.until(d -> "វដ្តប្រចាំខែ".equals(d.findElement(By.cssSelector("#main h1")).getText()));
        wait.until(d -> d.findElement(By.id("periods-status")).getText().contains("អនុម័ត"));
        screenshot("periods-km");
    }

    private void screenshot(String name) {
        chromium.screenshot(name);
    }
}
