package org.tonle.host.pages;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

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
 * The highlights review page in headless Chromium: an admin sees the month's highlights, a held
 * one with its reason, approves a pending one, cannot approve the held one without a reason, and
 * rejects it with one; the node's answers say the same. Screenshot under host/target/pages-screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReviewPageIT {

    TestNode node;
    Chromium chromium;
    ChromeDriver driver;
    WebDriverWait wait;

    @BeforeAll
    void start(@TempDir Path root) throws IOException {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.writeString(root.resolve("config/protected-names.txt"), "Dara\n");
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

    String highlight(String text) {
        String id = UUID.randomUUID().toString();
        String record = "{\"id\":\"" + id + "\",\"program\":\"social\",\"type\":\"highlight\",\"office\":\"PNH\",\"date\":\"2015-09-30\","
                + "\"attributes\":{\"text\":\"" + text + "\",\"public\":true}}";
        assertThat(node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/json", record, null).json()
                .path("accepted").asInt()).isOne();
        return id;
    }

    WebElement card(String id) {
        return wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("article[data-id='" + id + "']")));
    }

    String state(String id) {
        return node.get("/api/v1/highlights?period=2015-09").json().path("highlights").findParents("id").stream()
                .filter(h -> h.path("id").asText().equals(id)).findFirst().orElseThrow().path("state").asText();
    }

    @Test
    void anAdminApprovesAndRejects() {
        String pending = highlight("A training for hotel staff on reporting.");
        String held = highlight("Dara attends school again.");
        chromium.signInWithToken(node.url(), TestNode.ADMIN_TOKEN);
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("nav a[data-page=review]"))).click();
        WebElement month = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("review-month")));
        driver.executeScript("arguments[0].value = '2015-09'; arguments[0].dispatchEvent(new Event('change'));", month);
        wait.until(d -> d.findElement(By.id("review-status")).getText().contains("of 2015-09"));

        assertThat(card(held).getText()).contains("held", "protected name", "Dara");
        assertThat(card(pending).getText()).contains("pending", "hotel staff");
        screenshot("review-before");

        card(pending).findElement(By.cssSelector("button[data-action=approve]")).click();
        wait.until(d -> card(pending).getText().contains("approved") && card(pending).getText().contains("Reviewed by admin"));
        assertThat(state(pending)).isEqualTo("approved");

        // A held highlight: approving it without a reason is refused, and the page says why.
        card(held).findElement(By.cssSelector("button[data-action=approve]")).click();
        wait.until(d -> card(held).findElement(By.cssSelector(".error")).getText().contains("override_reason"));
        assertThat(state(held)).isEqualTo("held");
        card(held).findElement(By.cssSelector("input[name=reason]")).sendKeys("names a child");
        card(held).findElement(By.cssSelector("button[data-action=reject]")).click();
        wait.until(d -> card(held).getText().contains("rejected"));
        assertThat(state(held)).isEqualTo("rejected");
        screenshot("review-after");
    }

    private void screenshot(String name) {
        chromium.screenshot(name);
    }
}
