package org.tonle.host.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tonle.pipelines.CaseCodes;

/** The hold rules of highlights: protected names as whole words, however typed, and the mark of a redacted case code. */
class HighlightHoldsTest {

    @TempDir
    Path config;
    Path file;
    HighlightHolds holds;

    @BeforeEach
    void names() throws IOException {
        file = config.resolve(ProtectedNames.FILE);
        Files.writeString(file, """
                # children and families named in case files
                Dara
                  Sok Chenda
                José Martínez

                Ølstrøm
                សុខា
                Straße
                """);
        holds = new HighlightHolds(new ProtectedNames(file));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "We met Dara at the shelter.",
            "We met DARA at the shelter.",
            "We met dara, at the shelter.",
            "(Dara) was at the shelter.",
            "The shelter welcomed Dara.",
            "Dara's family came too.",
            "We met D\u200bara at the shelter.",           // a zero-width space inside the name
            "We met \uff24\uff41\uff52\uff41 at the shelter.", // full-width letters
            "We met\u00a0Dara\u00a0at the shelter."})
    void aNameIsFoundHoweverItIsTyped(String text) {
        assertThat(holds.reasons(text)).singleElement().asString().contains("protected name").contains("Dara");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Sok Chenda visited.", "SOK   CHENDA visited.", "Sok-Chenda visited.", "sok\nchenda visited.",
            "Jose Martinez visited.", "JOSÉ MARTÍNEZ visited.", "Jose\u0301 Marti\u0301nez visited.", "ØLSTRØM visited.",
            "ølstrøm visited.", "STRASSE visited.", "ក្មេង សុខា បានមក។"})
    void namesOfSeveralWordsAccentsAndScripts(String text) {
        assertThat(holds.reasons(text)).as(text).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Daravuth visited.", "Sundara visited.", "Adara visited.", "Dara1 visited.", "Sok visited.",
            "Chenda Sok visited.", "Martínez visited.", "Sok Chendara visited.", "សុខាភិបាល", "Dar a visited.",
            "No name here at all."})
    void aNameInsideAnotherWordOrAPartOfAFullNameIsNot(String text) {
        assertThat(holds.reasons(text)).as(text).isEmpty();
    }

    @Test
    void theMarkOfARedactedCaseCodeHolds() {
        assertThat(holds.reasons("We met " + CaseCodes.MARK + " again")).singleElement().asString()
                .contains("case code of a known subject").doesNotContain("PNH");
    }

    @Test
    void everyReasonIsGiven() {
        assertThat(holds.reasons("Dara and Sok Chenda met " + CaseCodes.MARK)).hasSize(3);
    }

    @Test
    void theFileIsReadAgainWhenItChangesAndCommentsAreNotNames() throws IOException {
        assertThat(holds.reasons("children and families")).isEmpty();
        assertThat(holds.reasons("Vanna came")).isEmpty();
        Files.writeString(file, "Vanna\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(holds.reasons("Vanna came")).hasSize(1);
        assertThat(holds.reasons("Dara came")).isEmpty();
        Files.delete(file);
        assertThat(holds.reasons("Vanna came")).isEmpty();
    }
}
