package org.tonle.warehouse.backup;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Date;

import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPPBEEncryptedData;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPBEDataDecryptorFactory;
import org.bouncycastle.openpgp.operator.bc.BcPBEKeyEncryptionMethodGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyDataDecryptorFactory;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;

/**
 * Encryption of backups and escrowed keys as OpenPGP messages (Bouncy Castle): AES-256 with an
 * integrity packet, the session key sealed by a passphrase (iterated and salted SHA-256 at the
 * strongest count OpenPGP allows, which gpg also reads) or by a recipient's public key. Opening
 * checks the integrity packet at the end of the stream: a message altered or cut short fails
 * there, so readers must read to the end before trusting anything they read.
 */
public final class OpenPgp {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int BUFFER = 1 << 16;
    /** The highest S2K count (65 011 712 bytes hashed): about 0.1 s per guess here. */
    private static final int S2K_COUNT = 0xff;

    private OpenPgp() {
    }

    /** A stream whose bytes are written to {@code out} encrypted; closing it finishes the message, not {@code out}. */
    public static OutputStream encrypt(OutputStream out, Secret secret, String name) throws IOException {
        try {
            PGPEncryptedDataGenerator generator = new PGPEncryptedDataGenerator(
                    new BcPGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256).setWithIntegrityPacket(true).setSecureRandom(RANDOM));
            if (secret.recipient != null) {
                generator.addMethod(new BcPublicKeyKeyEncryptionMethodGenerator(secret.recipient).setSecureRandom(RANDOM));
            } else if (secret.passphrase != null && secret.identity == null) {
                generator.addMethod(new BcPBEKeyEncryptionMethodGenerator(secret.passphrase,
                        new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA256), S2K_COUNT).setSecureRandom(RANDOM));
            } else {
                throw new BackupException("a secret key opens backups; seal them with a passphrase or the public key");
            }
            OutputStream encrypted = generator.open(out, new byte[BUFFER]);
            PGPLiteralDataGenerator literal = new PGPLiteralDataGenerator();
            OutputStream plain = literal.open(encrypted, PGPLiteralData.BINARY, name, new Date(), new byte[BUFFER]);
            return new FilterOutputStream(plain) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    plain.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    plain.close();
                    literal.close();
                    encrypted.close();
                    generator.close();
                }
            };
        } catch (PGPException e) {
            throw new IOException("cannot encrypt: " + e.getMessage(), e);
        }
    }

    /**
     * The clear bytes of a message. A wrong secret fails here, before anything is read; an
     * altered or truncated message fails with an IOException when its end is read.
     */
    public static InputStream decrypt(InputStream in, Secret secret) {
        try {
            BcPGPObjectFactory objects = new BcPGPObjectFactory(PGPUtil.getDecoderStream(in));
            Object next = objects.nextObject();
            if (next instanceof PGPMarker) {
                next = objects.nextObject();
            }
            if (!(next instanceof PGPEncryptedDataList list)) {
                throw new BackupException("this is not an encrypted Tonle backup or key (no OpenPGP encrypted data in it)");
            }
            PGPEncryptedData opened = null;
            InputStream clear = null;
            boolean passphraseTried = false;
            boolean keyTried = false;
            for (PGPEncryptedData data : list) {
                if (data instanceof PGPPBEEncryptedData pbe && secret.identity == null && secret.passphrase != null) {
                    passphraseTried = true;
                    try {
                        clear = pbe.getDataStream(new BcPBEDataDecryptorFactory(secret.passphrase, new BcPGPDigestCalculatorProvider()));
                        opened = pbe;
                        break;
                    } catch (PGPException wrong) {
                        // The passphrase does not open this one (the session key it yields fails its
                        // check or names no cipher); another method may fit.
                    }
                } else if (data instanceof PGPPublicKeyEncryptedData sealed && secret.identity != null) {
                    PGPSecretKey key = secret.identity.getSecretKey(sealed.getKeyID());
                    if (key == null) {
                        continue;
                    }
                    keyTried = true;
                    PGPPrivateKey privateKey;
                    try {
                        privateKey = key.extractPrivateKey(new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider())
                                .build(secret.passphrase));
                    } catch (PGPException wrong) {
                        throw new BackupException("the passphrase does not unlock the secret key " + Long.toHexString(key.getKeyID()).toUpperCase());
                    }
                    clear = sealed.getDataStream(new BcPublicKeyDataDecryptorFactory(privateKey));
                    opened = sealed;
                    break;
                }
            }
            if (clear == null) {
                throw new BackupException(passphraseTried ? "wrong passphrase: it does not open this file, so nothing was restored"
                        : keyTried ? "the secret key does not open this file"
                        : "this file is sealed with " + (secret.identity == null ? "an OpenPGP public key; open it with --identity (the custodian's secret key)"
                        : "a passphrase or another key, not with the secret key given"));
            }
            Object content = new BcPGPObjectFactory(clear).nextObject();
            if (content instanceof PGPCompressedData compressed) {
                content = new BcPGPObjectFactory(compressed.getDataStream()).nextObject();
            }
            if (!(content instanceof PGPLiteralData literal)) {
                throw new BackupException("the encrypted file holds no data");
            }
            return verifiedAtEnd(literal.getInputStream(), opened);
        } catch (IOException | PGPException e) {
            throw new BackupException("cannot decrypt: " + e.getMessage(), e);
        }
    }

    /** Checks the integrity packet when the end is read: an error there means the message was altered or cut. */
    private static InputStream verifiedAtEnd(InputStream data, PGPEncryptedData opened) {
        return new FilterInputStream(data) {
            private boolean verified;

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b < 0) {
                    verify();
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int off, int len) throws IOException {
                int n = super.read(buffer, off, len);
                if (n < 0) {
                    verify();
                }
                return n;
            }

            private void verify() throws IOException {
                if (verified) {
                    return;
                }
                try {
                    if (!opened.isIntegrityProtected() || !opened.verify()) {
                        throw new IOException("the file was altered or is incomplete (its integrity check failed)");
                    }
                } catch (PGPException e) {
                    throw new IOException("the file was altered or is incomplete: " + e.getMessage(), e);
                }
                verified = true;
            }
        };
    }
}
