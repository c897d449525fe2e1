package org.tonle.host.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tonle report --month 2015-08}: fetches the monthly Achievement Highlights report from a
 * running node ({@code GET /api/v1/reports/monthly/{month}}) as Markdown, HTML or PDF.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Fetch the monthly Achievement Highlights report from a running node (token in TONLE_TOKEN).")
final class ReportCommand implements Callable<Integer> {

    /** The formats and the media type each asks the node for. */
    enum Format {
        md("text/markdown"), html("text/html"), pdf("application/pdf");

        final String mediaType;

        Format(String mediaType) {
            this.mediaType = mediaType;
        }
    }

    @Option(names = "--month", required = true, paramLabel = "YYYY-MM", description = "the month, e.g. 2015-08")
    String month;

    @Option(names = "--format", defaultValue = "md", description = "md, html or pdf (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the node (default: ${DEFAULT-VALUE})")
    String url;

    @Mixin
    NodeTrust trust = new NodeTrust();

    @Option(names = "--out", paramLabel = "FILE", description = "write the report here (default: standard output)")
    Path out;

    @Override
    public Integer call() throws IOException {
        byte[] report;
        try {
            report = NodeClient.fromEnvironment(url, trust).download("api/v1/reports/monthly/" + month, format.mediaType);
        } catch (NodeClient.ClientException e) {
            System.err.println("tonle report: " + e.getMessage());
            return 1;
        }
        if (out == null) {
            OutputStream stdout = System.out;
            stdout.write(report);
            stdout.flush();
        } else {
            Files.write(out, report);
            System.err.println("tonle report: wrote " + out + " (" + report.length + " bytes)");
        }
        return 0;
    }
}
