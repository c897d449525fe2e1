package org.tonle.core.i18n;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.ibm.icu.text.PluralRules;

class MessagesTest {

    final Messages messages = new Messages("org/tonle/core/i18n/sample", MessagesTest.class);

    @Test
    void englishChoosesOneOrOther() {
        assertThat(messages.format(Language.EN, "witnesses", 1)).isEqualTo("1 witness");
        assertThat(messages.format(Language.EN, "witnesses", 0)).isEqualTo("0 witnesses");
        assertThat(messages.format(Language.EN, "witnesses", 2)).isEqualTo("2 witnesses");
        assertThat(messages.format(Language.EN, "witnesses", 1234)).isEqualTo("1,234 witnesses");
    }

    @Test
    void khmerHasOnlyOther() {
        assertThat(PluralRules.forLocale(Language.KM.locale()).getKeywords()).containsExactly("other");
        assertThat(PluralRules.forLocale(Language.EN.locale()).getKeywords()).containsExactlyInAnyOrder("one", "other");
        assertThat(messages.format(Language.KM, "witnesses", 1)).isEqualTo("សាក្សី 1 នាក់");
        assertThat(messages.format(Language.KM, "witnesses", 3)).isEqualTo("សាក្សី 3 នាក់");
    }

    @Test
    void namedArgumentsSelectAndPlural() {
        Map<String, Object> one = Map.of("count", 1, "role", "staff");
        Map<String, Object> many = Map.of("count", 3, "role", "donor");
        assertThat(format(Language.EN, "trainings", one)).isEqualTo("one training for staff");
        assertThat(format(Language.EN, "trainings", many)).isEqualTo("3 trainings for people");
        assertThat(format(Language.KM, "trainings", one)).isEqualTo("វគ្គបណ្តុះបណ្តាល 1 វគ្គ សម្រាប់បុគ្គលិក");
    }

    @Test
    void aMissingTranslationFallsBackToEnglishAndAnUnknownKeyIsAnError() {
        assertThat(messages.format(Language.KM, "english.only")).isEqualTo("only in English");
        assertThat(messages.has("english.only")).isTrue();
        assertThat(messages.has("nothing")).isFalse();
        assertThatThrownBy(() -> messages.format(Language.EN, "nothing")).hasMessageContaining("nothing");
    }

    @Test
    void languagesFromTagsAndAcceptLanguage() {
        assertThat(Language.of("km")).hasValue(Language.KM);
        assertThat(Language.of("km-KH")).hasValue(Language.KM);
        assertThat(Language.of("EN_gb")).hasValue(Language.EN);
        assertThat(Language.of("fr")).isEmpty();
        assertThat(Language.ofAcceptLanguage("km-KH,km;q=0.9,en;q=0.8")).hasValue(Language.KM);
        assertThat(Language.ofAcceptLanguage("fr-FR, en;q=0.5, km;q=0.7")).hasValue(Language.KM);
        assertThat(Language.ofAcceptLanguage("fr, de")).isEmpty();
        assertThat(Language.ofAcceptLanguage("km;q=0, en")).hasValue(Language.EN);
        assertThat(Language.ofAcceptLanguage(";;;")).isEmpty();
        assertThat(Language.ofAcceptLanguage(null)).isEmpty();
    }

    private String format(Language language, String key, Map<String, Object> arguments) {
        return messages.format(language, key, arguments);
    }
}
