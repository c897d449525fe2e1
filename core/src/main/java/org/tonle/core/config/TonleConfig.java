package org.tonle.core.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Everything a node reads from its config directory: offices, which programmes each office
 * runs, principals and settings.
 *
 * @param deployments office code to the programme ids it runs
 */
public record TonleConfig(
        Path directory,
        List<Office> offices,
        Map<String, List<String>> deployments,
        List<PrincipalConfig> principals,
        Settings settings) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public TonleConfig {
        offices = List.copyOf(offices);
        deployments = Map.copyOf(deployments);
        principals = List.copyOf(principals);
    }

    public static TonleConfig load(Path directory) {
        return load(directory, true);
    }

    /** @param all also principals and settings; without, they are left empty and default */
    private static TonleConfig load(Path directory, boolean all) {
        if (!Files.isDirectory(directory)) {
            throw new ConfigException("config directory " + directory.toAbsolutePath() + " does not exist");
        }
        List<Office> offices = List.copyOf(read(directory.resolve("offices.yaml"), OfficesFile.class)
                .orElseThrow(() -> new ConfigException(directory.resolve("offices.yaml") + ": missing")).offices());
        Map<String, List<String>> deployments = new TreeMap<>();
        Path deploymentDir = directory.resolve("deployments");
        for (Office office : offices) {
            Path file = deploymentDir.resolve(office.code() + ".yaml");
            deployments.put(office.code(), read(file, DeploymentFile.class).map(DeploymentFile::programs).orElse(List.of()));
        }
        if (!all) {
            return new TonleConfig(directory, offices, deployments, List.of(), Settings.defaults());
        }
        List<PrincipalConfig> principals = read(directory.resolve("access.yaml"), AccessFile.class)
                .map(AccessFile::principals).orElse(List.of());
        Settings settings = read(directory.resolve("tonle.yaml"), Settings.class).orElse(Settings.defaults());
        return new TonleConfig(directory, offices, deployments, principals == null ? List.of() : principals, settings);
    }

    /** Reads the principals again, for reloading access.yaml without a restart. */
    public TonleConfig withPrincipalsReloaded() {
        List<PrincipalConfig> reloaded = read(directory.resolve("access.yaml"), AccessFile.class)
                .map(AccessFile::principals).orElse(List.of());
        return new TonleConfig(directory, offices, deployments, reloaded == null ? List.of() : reloaded, settings);
    }

    /**
     * Reads offices.yaml and deployments/*.yaml again, keeping principals and settings: for
     * reloading deployments without a restart. Throws {@link ConfigException} for a file that
     * cannot be used, so that the caller keeps what it had.
     */
    public TonleConfig withDeploymentsReloaded() {
        TonleConfig reloaded = load(directory, false);
        return new TonleConfig(directory, reloaded.offices(), reloaded.deployments(), principals, settings);
    }

    public Optional<Office> office(String code) {
        // A loop, not a stream: validation looks offices up for every record.
        for (Office office : offices) {
            if (office.code().equals(code)) {
                return Optional.of(office);
            }
        }
        return Optional.empty();
    }

    /** The offices that run a programme, in configuration order. */
    public List<String> officesRunning(String programme) {
        return offices.stream().map(Office::code)
                .filter(code -> deployments.getOrDefault(code, List.of()).contains(programme)).toList();
    }

    /** This configuration narrowed to one office's deployment (serve --office). */
    public TonleConfig forOffice(String code) {
        Office office = office(code).orElseThrow(() -> new ConfigException(
                "--office " + code + " is not configured in offices.yaml (known: "
                        + offices.stream().map(Office::code).toList() + ")"));
        Map<String, List<String>> only = new LinkedHashMap<>();
        only.put(code, deployments.getOrDefault(code, List.of()));
        return new TonleConfig(directory, List.of(office), only, principals, settings);
    }

    /** The principals of an access.yaml ({@code file}); none when it does not exist. */
    public static List<PrincipalConfig> readPrincipals(Path file) {
        List<PrincipalConfig> principals = read(file, AccessFile.class).map(AccessFile::principals).orElse(List.of());
        return principals == null ? List.of() : principals;
    }

    /** The principals that {@code text} would give as the content of {@code file} (checking a file before writing it). */
    public static List<PrincipalConfig> parsePrincipals(Path file, String text) {
        try {
            JsonNode tree = YAML.readTree(text);
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                return List.of();
            }
            List<PrincipalConfig> principals = YAML.readValue(text, AccessFile.class).principals();
            return principals == null ? List.of() : principals;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : ", line " + e.getLocation().getLineNr();
            throw new ConfigException(file + where + ": " + String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse(""));
        }
    }

    private static <T> Optional<T> read(Path file, Class<T> type) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode tree = YAML.readTree(file.toFile());
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                return Optional.empty();
            }
            // Read again from the text, not the tree, so that a wrong value is reported with its line.
            return Optional.of(YAML.readValue(file.toFile(), type));
        } catch (JsonProcessingException e) {
            // The file and the line, so that an operator can find what to fix.
            String where = e.getLocation() == null ? "" : ", line " + e.getLocation().getLineNr();
            throw new ConfigException(file + where + ": "
                    + String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("cannot be parsed"));
        } catch (IOException e) {
            throw new ConfigException(file + ": " + e.getMessage().lines().findFirst().orElse("cannot be read"));
        }
    }

    private record OfficesFile(List<Office> offices) {
    }

    private record DeploymentFile(List<String> programs) {
        DeploymentFile {
            programs = programs == null ? List.of() : List.copyOf(programs);
        }
    }

    private record AccessFile(List<PrincipalConfig> principals) {
    }
}
