package org.tonle.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import java.util.logging.LogManager;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The log set up in code ({@link LogConfiguration}) is the one the XML file it replaced gave:
 * one console appender on standard error with the same line, the same levels, the levels passed
 * on to java.util.logging; and it is the configuration logback actually uses.
 */
class LogConfigurationTest {

    @Test
    void logbackUsesItInsteadOfAnyXml() {
        assertThat(ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type)).containsExactly(LogConfiguration.class);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        assertThat(console(context)).as("the root logger's appenders").isNotNull();
        assertThat(context.getLogger("org.apache.camel").getLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void oneLinePerEventOnStandardErrorAsBefore() {
        LoggerContext context = configured();
        ConsoleAppender<ILoggingEvent> console = console(context);
        assertThat(console.getTarget()).isEqualTo("System.err");
        assertThat(console.isStarted()).isTrue();
        PatternLayoutEncoder encoder = (PatternLayoutEncoder) console.getEncoder();
        assertThat(encoder.getPattern()).isEqualTo("%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
        Logger node = context.getLogger("org.tonle.host.Node");
        String line = new String(encoder.encode(new LoggingEvent(Logger.FQCN, node, Level.INFO, "Node is up", null, null)),
                StandardCharsets.UTF_8);
        assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Node - Node is up\\R");
        context.stop();
    }

    @Test
    void theLevelsOfBefore() {
        LoggerContext context = configured();
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("org.tonle.warehouse.Warehouse").getEffectiveLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("org.apache.camel.impl.engine.X").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.glassfish.grizzly.X").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.glassfish.jersey.internal.inject.Providers").getEffectiveLevel()).isEqualTo(Level.ERROR);
        assertThat(context.getLogger("org.apache.pdfbox.pdmodel.font.PDType1Font").getEffectiveLevel()).isEqualTo(Level.ERROR);
        assertThat(context.getLogger("org.apache.kafka.clients.consumer.X").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.apache.kafka.clients.NetworkClient").getEffectiveLevel()).isEqualTo(Level.ERROR);
        assertThat(context.getLogger("com.example.Other").getEffectiveLevel()).isEqualTo(Level.INFO);
        context.stop();
    }

    /** Jersey and Grizzly log through java.util.logging: it learns the levels (the running context's). */
    @Test
    void levelsReachJavaUtilLogging() {
        LoggerFactory.getLogger(LogConfigurationTest.class);
        assertThat(LogManager.getLogManager().getLogger("org.glassfish").getLevel().getName()).isEqualTo("WARNING");
        assertThat(LogManager.getLogManager().getLogger("org.apache.kafka.clients.NetworkClient").getLevel().getName()).isEqualTo("SEVERE");
    }

    @Test
    void anOperatorsConfigurationFileWins() {
        String before = System.getProperty("logback.configurationFile");
        System.setProperty("logback.configurationFile", "/etc/tonle/logback.xml");
        try {
            LoggerContext context = new LoggerContext();
            LogConfiguration configuration = new LogConfiguration();
            configuration.setContext(context);
            assertThat(configuration.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
        } finally {
            if (before == null) {
                System.clearProperty("logback.configurationFile");
            } else {
                System.setProperty("logback.configurationFile", before);
            }
        }
    }

    private static LoggerContext configured() {
        LoggerContext context = new LoggerContext();
        LogConfiguration configuration = new LogConfiguration();
        configuration.setContext(context);
        assertThat(configuration.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        return context;
    }

    @SuppressWarnings("unchecked")
    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context) {
        Appender<ILoggingEvent> appender = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE");
        assertThat(appender).isInstanceOf(ConsoleAppender.class);
        return (ConsoleAppender<ILoggingEvent>) appender;
    }
}
