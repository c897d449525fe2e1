package org.tonle.warehouse.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.bc.BcPGPSecretKeyRingCollection;

/**
 * What seals or opens a backup or an escrowed key: a passphrase, or an OpenPGP key pair (the
 * public key, which a node may keep, seals; only the custodian's secret key opens). Either way
 * the result is a standard OpenPGP message, so {@code gpg --decrypt} opens it too.
 */
public final class Secret {

    final char[] passphrase;
    final PGPPublicKey recipient;
    final PGPSecretKeyRingCollection identity;

    private Secret(char[] passphrase, PGPPublicKey recipient, PGPSecretKeyRingCollection identity) {
        this.passphrase = passphrase;
        this.recipient = recipient;
        this.identity = identity;
    }

    /** Seals and opens with a passphrase (at least 12 characters: it is all that guards the key). */
    public static Secret passphrase(String passphrase) {
        if (passphrase == null || passphrase.isBlank()) {
            throw new BackupException("no passphrase: set TONLE_BACKUP_PASSPHRASE (or configure backup.recipient)");
        }
        if (passphrase.length() < 12) {
            throw new BackupException("the passphrase is shorter than 12 characters; it alone guards the key of every person counted");
        }
        return new Secret(passphrase.toCharArray(), null, null);
    }

    /** Seals for the holder of the secret key of an OpenPGP public key (ASCII-armoured or binary file). */
    public static Secret recipient(Path publicKeyFile) {
        try (InputStream in = PGPUtil.getDecoderStream(Files.newInputStream(publicKeyFile))) {
            for (Iterator<PGPPublicKeyRing> rings = new BcPGPPublicKeyRingCollection(in).getKeyRings(); rings.hasNext(); ) {
                for (Iterator<PGPPublicKey> keys = rings.next().getPublicKeys(); keys.hasNext(); ) {
                    PGPPublicKey key = keys.next();
                    if (key.isEncryptionKey() && !key.hasRevocation()) {
                        return new Secret(null, key, null);
                    }
                }
            }
            throw new BackupException(publicKeyFile + " holds no OpenPGP key that can encrypt");
        } catch (IOException | PGPException e) {
            throw new BackupException("cannot read the OpenPGP public key " + publicKeyFile + ": " + e.getMessage(), e);
        }
    }

    /** Opens what was sealed for a recipient: the custodian's secret key file and its passphrase. */
    public static Secret identity(Path secretKeyFile, String passphrase) {
        try (InputStream in = PGPUtil.getDecoderStream(Files.newInputStream(secretKeyFile))) {
            return new Secret(passphrase == null ? new char[0] : passphrase.toCharArray(), null, new BcPGPSecretKeyRingCollection(in));
        } catch (IOException | PGPException e) {
            throw new BackupException("cannot read the OpenPGP secret key " + secretKeyFile + ": " + e.getMessage(), e);
        }
    }

    /** What a person is told this secret is (never the secret itself). */
    public String describe() {
        if (recipient != null) {
            return "OpenPGP key " + Long.toHexString(recipient.getKeyID()).toUpperCase();
        }
        return identity != null ? "OpenPGP secret key" : "passphrase";
    }
}
