package org.tonle.programmes;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.hooks.resolver.ResolverHook;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.framework.hooks.weaving.WeavingException;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.hooks.weaving.WovenClass;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.config.FileStamp;
import org.tonle.core.declaration.DeclarationReader;

/**
 * Decides which bundles may run code (DESIGN.md section 9.7). A bundle that carries code
 * (classes, nested jars, an activator, Declarative Services components, or Camel routes in its
 * declaration) resolves only when the SHA-256 of its jar is listed in
 * {@code <config>/trusted-bundles.yaml} or every entry of the jar is signed by a certificate that
 * chains to one in {@code <config>/trust/}. A bundle that does not resolve loads no class, so its
 * activator and components never run. A bundle of data only (a YAML declaration) needs neither.
 *
 * <p>The check is a resolver hook (an untrusted bundle is offered no provider for any of its
 * requirements, so it never resolves) and a weaving hook (no class of an untrusted bundle is ever
 * defined, for a bundle that needs nothing and so resolves anyway). Both see every revision, so a
 * trusted jar in {@code deploy/} replaced by an untrusted one of the same name is refused at its
 * update. The jar checked is
 * the framework's own copy of what it installed, not the file in {@code deploy/}, which may have
 * changed since. The distribution's bundles (installed from its bundle folder, beside the host's
 * own class path) are trusted by where they come from.
 */
public final class BundleTrust implements ResolverHookFactory, WeavingHook {

    public static final String TRUST_FILE = "trusted-bundles.yaml";
    public static final String TRUST_FOLDER = "trust";
    private static final Logger LOG = LoggerFactory.getLogger(BundleTrust.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern REVISION = Pattern.compile("version(\\d+)\\.(\\d+)");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path config;
    private final Path storage;
    private final Path distribution;
    private final DeclarationReader reader = new DeclarationReader();
    /** Why a bundle was refused, by bundle id, until it is trusted, updated or uninstalled. */
    private final Map<Long, String> refused = new ConcurrentHashMap<>();
    private final Map<Long, Decision> decisions = new ConcurrentHashMap<>();
    private volatile String stamp = "";

    /** A bundle's verdict for one version of its jar and of the trust; {@code reason} null when trusted. */
    private record Decision(String key, String reason) {
    }
    private volatile Set<String> digests = Set.of();
    private volatile List<X509Certificate> anchors = List.of();

    /**
     * @param config       the configuration folder with {@code trusted-bundles.yaml} and {@code trust/}
     * @param storage      the framework's storage folder, where it keeps its copy of every jar
     * @param distribution the distribution's bundle folder, whose bundles are trusted
     */
    public BundleTrust(Path config, Path storage, Path distribution) {
        this.config = config;
        this.storage = storage;
        this.distribution = distribution == null ? null : distribution.toAbsolutePath().normalize();
        reloadIfChanged();
    }

    /** Why the bundle may not run code, when it may not; empty when it may. */
    public Optional<String> refusal(Bundle bundle) {
        return Optional.ofNullable(refused.get(bundle.getBundleId()));
    }

    /** The ids of the bundles refused so far. */
    public Set<Long> refusedBundles() {
        return Set.copyOf(refused.keySet());
    }

    /** Forgets a bundle (uninstalled). */
    public void forget(long bundleId) {
        refused.remove(bundleId);
        decisions.remove(bundleId);
    }

    @Override
    public ResolverHook begin(Collection<BundleRevision> triggers) {
        reloadIfChanged();
        return new ResolverHook() {
            @Override
            public void filterResolvable(Collection<BundleRevision> candidates) {
                // Not here: Felix 7.0.5 then also drops every resolved provider (the system bundle
                // too) from the resolve, so one untrusted jar would stop every other from resolving.
            }

            @Override
            public void filterSingletonCollisions(BundleCapability singleton, Collection<BundleCapability> candidates) {
            }

            @Override
            public void filterMatches(BundleRequirement requirement, Collection<BundleCapability> candidates) {
                // An untrusted bundle gets no provider for anything it needs, so it never resolves.
                if (check(requirement.getRevision().getBundle()).isPresent()) {
                    candidates.clear();
                }
            }

            @Override
            public void end() {
            }
        };
    }

    /**
     * The last line of defence, for an untrusted bundle that resolves because it needs nothing
     * (no import, no required bundle): no class of it is ever defined, so none of its code runs.
     */
    @Override
    public void weave(WovenClass woven) {
        Optional<String> untrusted = check(woven.getBundleWiring().getBundle());
        if (untrusted.isPresent()) {
            // A WeavingException, so that the framework keeps this hook (any other exception would deny-list it).
            throw new WeavingException("bundle " + woven.getBundleWiring().getBundle().getSymbolicName()
                    + " is untrusted, class " + woven.getClassName() + " is not loaded: " + untrusted.get());
        }
    }

    /** Checks the bundle's current jar (once per version of it and of the trust) and records the outcome; why it is refused, if it is. */
    public Optional<String> check(Bundle bundle) {
        if (bundle.getBundleId() == 0 || fromDistribution(bundle)) {
            refused.remove(bundle.getBundleId());
            return Optional.empty();
        }
        String key = bundle.getLastModified() + "|" + stamp;
        Decision known = decisions.get(bundle.getBundleId());
        if (known != null && known.key().equals(key)) {
            return Optional.ofNullable(known.reason());
        }
        String reason;
        try {
            reason = decide(bundle);
        } catch (IOException | RuntimeException e) {
            reason = "its jar cannot be checked: " + e.getMessage();
        }
        decisions.put(bundle.getBundleId(), new Decision(key, reason));
        if (reason == null) {
            refused.remove(bundle.getBundleId());
            return Optional.empty();
        }
        if (!reason.equals(refused.put(bundle.getBundleId(), reason))) {
            LOG.error("Bundle {} is untrusted and will not run: {}", bundle.getSymbolicName(), reason);
        }
        return Optional.of(reason);
    }

    private boolean fromDistribution(Bundle bundle) {
        if (distribution == null || !bundle.getLocation().startsWith("file:")) {
            return false;
        }
        try {
            Path file = Path.of(URI.create(bundle.getLocation())).toAbsolutePath().normalize();
            return file.getParent() != null && file.getParent().equals(distribution);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private String decide(Bundle bundle) throws IOException {
        Path jar = jar(bundle);
        List<String> code = code(jar, bundle.getSymbolicName());
        if (code.isEmpty()) {
            return null;
        }
        String digest = sha256(jar);
        if (digests.contains(digest)) {
            return null;
        }
        String signature = signature(jar);
        if (signature == null) {
            return null;
        }
        return "it carries code (" + String.join(", ", code) + ") but its SHA-256 " + digest + " is not in "
                + TRUST_FILE + " and " + signature + "; an administrator trusts it with 'bin/tonle bundles trust FILE.jar'"
                + " (docs/PLUGINS.md)";
    }

    /** What in the jar would run: empty for a bundle of data only. */
    List<String> code(Path jar, String name) throws IOException {
        List<String> code = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            Manifest manifest = file.getManifest();
            Attributes headers = manifest == null ? new Attributes() : manifest.getMainAttributes();
            if (headers.getValue(Constants.BUNDLE_ACTIVATOR) != null) {
                code.add("an activator");
            }
            List<String> names = file.stream().map(JarEntry::getName).toList();
            if (headers.getValue("Service-Component") != null
                    || names.stream().anyMatch(n -> n.startsWith("OSGI-INF/") && n.endsWith(".xml"))) {
                code.add("components");
            }
            if (names.stream().anyMatch(n -> n.endsWith(".class"))) {
                code.add("classes");
            }
            if (names.stream().anyMatch(n -> n.endsWith(".jar"))) {
                code.add("nested jars");
            }
            String declaration = headers.getValue(ProgrammeExtender.HEADER);
            JarEntry entry = declaration == null ? null : file.getJarEntry(declaration.strip());
            if (entry != null) {
                try (InputStream in = file.getInputStream(entry)) {
                    if (!reader.read(in, name).routes().isEmpty()) {
                        code.add("routes");
                    }
                } catch (Exception e) {
                    // A declaration that does not read never goes live, routes and all; the extender says why.
                }
            }
        }
        return code;
    }

    /** The framework's copy of the bundle's current revision, else the file it was installed from. */
    private Path jar(Bundle bundle) throws IOException {
        Path folder = storage.resolve("bundle" + bundle.getBundleId());
        if (Files.isDirectory(folder)) {
            Path newest = null;
            long best = -1;
            try (Stream<Path> revisions = Files.list(folder)) {
                for (Path revision : revisions.toList()) {
                    Matcher m = REVISION.matcher(revision.getFileName().toString());
                    if (m.matches() && Files.isRegularFile(revision.resolve("bundle.jar"))) {
                        long order = Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong(m.group(2));
                        if (order > best) {
                            best = order;
                            newest = revision.resolve("bundle.jar");
                        }
                    }
                }
            }
            if (newest != null) {
                return newest;
            }
        }
        try {
            return Path.of(URI.create(bundle.getLocation()));
        } catch (RuntimeException e) {
            throw new IOException("the framework holds no copy of it and its location " + bundle.getLocation() + " is not a file");
        }
    }

    public static String sha256(Path jar) throws IOException {
        try (InputStream in = Files.newInputStream(jar)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[65536];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Null when every entry of the jar (but its signature files) is signed by a certificate
     * chaining to one in {@code trust/}; otherwise why not.
     */
    private String signature(Path jar) throws IOException {
        List<X509Certificate> trusted = anchors;
        if (trusted.isEmpty()) {
            return "no certificate is in " + TRUST_FOLDER + "/ to check a signature against";
        }
        int entries = 0;
        try (JarFile file = new JarFile(jar.toFile(), true)) {
            byte[] buffer = new byte[65536];
            for (JarEntry entry : file.stream().toList()) {
                if (entry.isDirectory() || signatureFile(entry.getName())) {
                    continue;
                }
                entries++;
                try (InputStream in = file.getInputStream(entry)) {
                    while (in.read(buffer) > 0) {
                        // Reading to the end is what makes the JDK check the entry's digest.
                    }
                } catch (SecurityException e) {
                    return "its signature does not match its content (" + entry.getName() + ": " + e.getMessage() + ")";
                }
                Certificate[] chain = entry.getCertificates();
                if (chain == null || chain.length == 0) {
                    return "it is not signed (" + entry.getName() + " has no signature)";
                }
                if (!chainsToTrusted(chain, trusted)) {
                    return "its signer " + ((X509Certificate) chain[0]).getSubjectX500Principal().getName()
                            + " does not chain to a certificate in " + TRUST_FOLDER + "/";
                }
            }
        } catch (SecurityException e) {
            return "its signature is invalid: " + e.getMessage();
        }
        return entries == 0 ? "it has no signed entries" : null;
    }

    private static boolean signatureFile(String name) {
        String upper = name.toUpperCase();
        return upper.equals("META-INF/MANIFEST.MF") || upper.startsWith("META-INF/") && !upper.substring(9).contains("/")
                && (upper.endsWith(".SF") || upper.endsWith(".RSA") || upper.endsWith(".DSA") || upper.endsWith(".EC")
                || upper.startsWith("META-INF/SIG-"));
    }

    /** Whether the signer's chain (as the jar carries it) leads to a trusted certificate. */
    private static boolean chainsToTrusted(Certificate[] chain, List<X509Certificate> trusted) {
        List<X509Certificate> path = new ArrayList<>();
        for (Certificate c : chain) {
            X509Certificate x = (X509Certificate) c;
            if (trusted.contains(x)) {
                return true; // the signer itself, or an issuer in its chain, is trusted
            }
            path.add(x);
        }
        try {
            Set<TrustAnchor> roots = new HashSet<>();
            trusted.forEach(t -> roots.add(new TrustAnchor(t, null)));
            PKIXParameters parameters = new PKIXParameters(roots);
            parameters.setRevocationEnabled(false);
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * Reads {@code trusted-bundles.yaml} and {@code trust/} again when either changed; whether
     * they did. Bundles refused before are then worth another try.
     */
    public synchronized boolean reloadIfChanged() {
        Path file = config.resolve(TRUST_FILE);
        Path folder = config.resolve(TRUST_FOLDER);
        StringBuilder now = new StringBuilder(FileStamp.of(file));
        List<Path> certificates = new ArrayList<>();
        try {
            if (Files.isDirectory(folder)) {
                try (Stream<Path> files = Files.list(folder)) {
                    for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                        certificates.add(p);
                        now.append(';').append(p.getFileName()).append(' ').append(FileStamp.of(p));
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot look at the bundle trust in {}: {}", config, e.getMessage());
            return false;
        }
        if (now.toString().equals(stamp)) {
            return false;
        }
        digests = readDigests(file);
        anchors = readCertificates(certificates);
        // Last: a check keyed on the new stamp must find the new digests, or it would cache an
        // outdated refusal under the new key until the next change.
        stamp = now.toString();
        return true;
    }

    private static Set<String> readDigests(Path file) {
        Set<String> read = new HashSet<>();
        if (!Files.exists(file)) {
            return read;
        }
        try {
            JsonNode root = YAML.readTree(file.toFile());
            if (root != null) {
                for (JsonNode b : root.path("bundles")) {
                    String sha = b.path("sha256").asText("").toLowerCase();
                    if (SHA256.matcher(sha).matches()) {
                        read.add(sha);
                    } else {
                        LOG.warn("{}: '{}' is not a SHA-256 (64 hexadecimal digits); ignored", file, sha);
                    }
                }
            }
        } catch (IOException e) {
            LOG.error("Cannot read {}: {}; no bundle is trusted by digest", file, e.getMessage());
        }
        return read;
    }

    private static List<X509Certificate> readCertificates(List<Path> files) {
        List<X509Certificate> read = new ArrayList<>();
        for (Path p : files) {
            try (InputStream in = Files.newInputStream(p)) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    read.add((X509Certificate) c);
                }
            } catch (IOException | GeneralSecurityException e) {
                LOG.warn("{} is not an X.509 certificate (PEM or DER): {}; ignored", p, e.getMessage());
            }
        }
        return read;
    }

    /**
     * Adds a jar's SHA-256 to {@code trusted-bundles.yaml} ({@code bin/tonle bundles trust}),
     * keeping what is there; the digest.
     */
    public static String trust(Path config, Path jar) throws IOException {
        String digest = sha256(jar);
        Path file = config.resolve(TRUST_FILE);
        ObjectNode root = Files.exists(file) && Files.size(file) > 0 && YAML.readTree(file.toFile()) instanceof ObjectNode o
                ? o : YAML.createObjectNode();
        ArrayNode bundles = root.has("bundles") && root.get("bundles").isArray() ? (ArrayNode) root.get("bundles") : root.putArray("bundles");
        for (JsonNode b : bundles) {
            if (digest.equals(b.path("sha256").asText())) {
                return digest;
            }
        }
        Map<String, String> added = new LinkedHashMap<>();
        added.put("sha256", digest);
        added.put("file", jar.getFileName().toString());
        bundles.add(YAML.valueToTree(added));
        Path staging = Files.createTempFile(config, TRUST_FILE, ".tmp");
        Files.writeString(staging, "# SHA-256 of the bundle jars allowed to run code on this node (docs/PLUGINS.md)\n"
                + YAML.writeValueAsString(root).replaceFirst("^---\\s*\n", ""));
        Files.move(staging, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return digest;
    }
}
