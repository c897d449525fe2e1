package org.tonle.host.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;

/** Argon2id hashes in the PHC format, with their own parameters, verified in constant time. */
class PasswordHashTest {

    @Test
    void hashesVerifyAndCarryTheirParameters() {
        String hash = PasswordHash.hash("correct horse battery".toCharArray());
        assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(PasswordHash.wellFormed(hash)).isTrue();
        assertThat(PasswordHash.verify("correct horse battery".toCharArray(), hash)).isTrue();
        assertThat(PasswordHash.verify("correct horse batterY".toCharArray(), hash)).isFalse();
        assertThat(PasswordHash.hash("correct horse battery".toCharArray())).isNotEqualTo(hash); // a fresh salt
        assertThat(PasswordHash.verify("x".toCharArray(), "plain")).isFalse();
        assertThat(PasswordHash.verifyDummy("x".toCharArray())).isFalse();
    }

    /** A hash made with other parameters (as the argon2 tool would write it) still verifies. */
    @Test
    void verifiesAHashWithOtherParameters() {
        byte[] salt = "sixteen byte salt".substring(0, 16).getBytes(StandardCharsets.UTF_8);
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(4096).withIterations(3).withParallelism(1).withSalt(salt).build());
        byte[] out = new byte[32];
        generator.generateBytes("ümlaut password".toCharArray(), out);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        String encoded = "$argon2id$v=19$m=4096,t=3,p=1$" + b64.encodeToString(salt) + "$" + b64.encodeToString(out);
        assertThat(PasswordHash.verify("ümlaut password".toCharArray(), encoded)).isTrue();
        assertThat(PasswordHash.verify("umlaut password".toCharArray(), encoded)).isFalse();
    }
}
