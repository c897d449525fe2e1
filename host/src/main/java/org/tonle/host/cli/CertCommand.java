package org.tonle.host.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.tonle.pipelines.OwnerOnly;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tonle cert --out DIR --host NAME}: a self-signed certificate for a node on an office
 * LAN, made by the JDK's own keytool: {@code DIR/tonle.p12} (the key, for {@code http.tls}),
 * {@code DIR/tonle.password} (owner-only) and {@code DIR/tonle.crt} (for the browsers and
 * clients that are to trust the node).
 */
@Command(name = "cert", mixinStandardHelpOptions = true,
        description = {"Make a self-signed certificate for HTTPS on an office LAN (JDK keytool):",
                "DIR/tonle.p12 and DIR/tonle.password for http.tls, DIR/tonle.crt for the clients to trust."})
final class CertCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder for the files (best: the secrets folder)")
    Path out;

    @Option(names = "--host", required = true, paramLabel = "NAME", description = "the name clients use for the node (e.g. tonle.office.lan)")
    String host;

    @Option(names = "--ip", paramLabel = "ADDRESS", description = "an IP address clients use too (repeatable)")
    List<String> addresses = new ArrayList<>();

    @Option(names = "--days", defaultValue = "825", description = "validity (default: ${DEFAULT-VALUE})")
    int days;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!host.matches("[A-Za-z0-9.-]+")) {
            throw new IllegalArgumentException("--host must be a DNS name: letters, digits, dots and hyphens");
        }
        for (String address : addresses) {
            if (!address.matches("[0-9A-Fa-f:.]+")) {
                throw new IllegalArgumentException("--ip " + address + " is not an IP address");
            }
        }
        Files.createDirectories(out);
        Path keystore = out.resolve("tonle.p12");
        Path certificate = out.resolve("tonle.crt");
        Path passwordFile = out.resolve("tonle.password");
        for (Path p : List.of(keystore, certificate, passwordFile)) {
            if (Files.exists(p)) {
                throw new IllegalArgumentException(p + " exists; give another --out folder");
            }
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        try (var file = OwnerOnly.newFile(passwordFile)) {
            file.write((password + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        StringBuilder san = new StringBuilder("san=dns:" + host);
        addresses.forEach(a -> san.append(",ip:").append(a));
        keytool("-genkeypair", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass:env", "TONLE_CERT_PASSWORD",
                "-alias", "tonle", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", String.valueOf(days),
                "-dname", "CN=" + host, "-ext", san.toString(), "-ext", "eku=serverAuth");
        keytool("-exportcert", "-rfc", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass:env", "TONLE_CERT_PASSWORD",
                "-alias", "tonle", "-file", certificate.toString());
        System.out.println("wrote " + keystore + ", " + passwordFile + " and " + certificate + System.lineSeparator()
                + "config/tonle.yaml:" + System.lineSeparator()
                + "http:" + System.lineSeparator()
                + "  tls:" + System.lineSeparator()
                + "    keystore: " + keystore.toAbsolutePath() + System.lineSeparator()
                + "    password_file: " + passwordFile.toAbsolutePath() + System.lineSeparator()
                + "Install " + certificate.getFileName() + " as trusted on the office's computers (docs/OPERATIONS.md).");
        return 0;
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("TONLE_CERT_PASSWORD", Files.readString(out.resolve("tonle.password")).strip());
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IOException("keytool failed: " + new String(output, StandardCharsets.UTF_8).strip());
        }
    }
}
