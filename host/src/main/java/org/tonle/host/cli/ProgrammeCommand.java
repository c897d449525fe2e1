package org.tonle.host.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.tonle.programmes.xlsform.ProgrammeBundle;
import org.tonle.programmes.xlsform.XlsFormConverter;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tonle programme ...}: making programme bundles. */
@Command(name = "programme", mixinStandardHelpOptions = true, description = "Make programme bundles.",
        subcommands = ProgrammeCommand.FromXlsForm.class)
final class ProgrammeCommand {

    /**
     * {@code tonle programme from-xlsform FORM.xlsx --out FILE.jar}: a YAML-only programme bundle
     * and a mapping for the form's exports (docs/PLUGINS.md). Works offline, on files only.
     */
    @Command(name = "from-xlsform", mixinStandardHelpOptions = true,
            description = {"Turn a KoboToolbox/ODK XLSForm (sheets survey, choices, settings) into a YAML-only programme bundle",
                    "and a mapping that imports the form's exports. Drop the jar into <data>/deploy, add the programme to the",
                    "offices' deployments, copy the mapping to <config>/mappings/, then: bin/tonle import export.csv --mapping ID."})
    static final class FromXlsForm implements Callable<Integer> {

        @Parameters(paramLabel = "FORM", description = "the XLSForm (.xlsx or .xls)")
        Path form;

        @Option(names = "--out", required = true, paramLabel = "FILE.jar", description = "the bundle to write")
        Path out;

        @Option(names = "--mapping-out", paramLabel = "FILE.yaml", description = "the mapping to write (default: ID.yaml beside the jar)")
        Path mappingOut;

        @Option(names = "--id", paramLabel = "ID", description = "the programme id (default: the form's form_id)")
        String id;

        @Option(names = "--skip-unsupported", description = "write the bundle even when questions of unsupported types are left out")
        boolean skipUnsupported;

        @Override
        public Integer call() throws IOException {
            if (!Files.isReadable(form)) {
                System.err.println("tonle programme from-xlsform: cannot read " + form);
                return 2;
            }
            XlsFormConverter.Conversion conversion;
            try (InputStream in = Files.newInputStream(form)) {
                conversion = new XlsFormConverter().convert(in, id);
            } catch (XlsFormConverter.XlsFormException e) {
                e.problems().forEach(p -> System.err.println("tonle programme from-xlsform: " + p));
                return 1;
            } catch (IOException | RuntimeException e) {
                System.err.println("tonle programme from-xlsform: " + form + " cannot be read as a workbook: " + e.getMessage());
                return 1;
            }
            conversion.unsupported().forEach(line -> System.err.println(line));
            conversion.leftOut().forEach(line -> System.err.println(line));
            if (!conversion.unsupported().isEmpty() && !skipUnsupported) {
                System.err.println("tonle programme from-xlsform: " + conversion.unsupported().size() + " question(s) of unsupported types;"
                        + " nothing written. Change them, or pass --skip-unsupported to leave them out.");
                return 1;
            }
            ProgrammeBundle.write(out, conversion, form.getFileName().toString());
            Path mapping = mappingOut != null ? mappingOut : out.toAbsolutePath().getParent().resolve(conversion.mappingName() + ".yaml");
            Files.writeString(mapping, conversion.mappingYaml(), StandardCharsets.UTF_8);
            System.out.printf("programme %s (%s %s) -> %s%nmapping -> %s (copy it to <config>/mappings/%s.yaml)%n",
                    conversion.programme().id(), conversion.symbolicName(), conversion.version(), out, mapping, conversion.mappingName());
            return 0;
        }
    }
}
