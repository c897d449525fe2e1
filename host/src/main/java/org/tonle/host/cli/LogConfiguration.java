package org.tonle.host.cli;

import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The log of every Tonle process, set up in code: logback finds this class through
 * {@code META-INF/services} before it would look for an XML file, and parsing one cost a node's
 * start about a sixth of its main thread (docs/PERFORMANCE.md, "Start to healthy"). Records are
 * never logged: only counts, ids of bundles and programmes, and reasons.
 *
 * <p>One line per event on standard error, {@code HH:mm:ss.SSS LEVEL Logger - message}; INFO
 * and up, less for the chatty libraries in {@link #LEVELS}; levels reach java.util.logging too,
 * so Jersey's and Grizzly's loggers (bridged to SLF4J) drop what would be discarded anyway. An
 * operator's own configuration still wins: with {@code -Dlogback.configurationFile=FILE} (in
 * {@code TONLE_JAVA_OPTS}) this class steps aside and logback reads that file.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfiguration extends ContextAwareBase implements Configurator {

    /** The pattern of a line. */
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

    /** Loggers below or above INFO. */
    static final Map<String, Level> LEVELS = Map.of(
            "org.apache.camel", Level.WARN,
            "org.glassfish", Level.WARN,
            // Jersey warns that resource instances are no providers; they are resources.
            "org.glassfish.jersey.internal.inject.Providers", Level.ERROR,
            // The report's PDF renderer: PDFBox's note that the Symbol base font is substituted
            // (the report uses no Symbol glyphs).
            "org.apache.pdfbox.pdmodel.font.PDType1Font", Level.ERROR,
            // Kafka clients print their whole configuration at INFO and warn at every reconnect
            // while the broker is away; the transport itself logs one warning when the link drops
            // and one line when it returns.
            "org.apache.kafka", Level.WARN,
            "org.apache.kafka.clients.NetworkClient", Level.ERROR,
            // POI logs the XML parser's messages about a damaged workbook, which quote its content
            // (an element or entity named by a case code); the import reports where, in its words.
            "org.apache.poi", Level.OFF,
            "org.tonle", Level.INFO);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ContextInitializer.CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LevelChangePropagator propagator = new LevelChangePropagator();
        propagator.setContext(context);
        propagator.start();
        context.addListener(propagator);

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("CONSOLE");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();

        LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
