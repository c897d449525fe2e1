package org.tonle.reports;

import java.util.logging.Level;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.openhtmltopdf.util.Diagnostic;
import com.openhtmltopdf.util.XRLog;
import com.openhtmltopdf.util.XRLogger;

/**
 * Sends openhtmltopdf's log through SLF4J like everything else; by default it installs its own
 * console handler and prints timings on every render.
 */
final class PdfLogging implements XRLogger {

    private PdfLogging() {
    }

    static void install() {
        if (!(XRLog.getLoggerImpl() instanceof PdfLogging)) {
            XRLog.setLoggerImpl(new PdfLogging());
        }
    }

    @Override
    public void log(String where, Level level, String message) {
        log(where, level, message, null);
    }

    @Override
    public void log(String where, Level level, String message, Throwable error) {
        Logger logger = LoggerFactory.getLogger(where);
        if (level.intValue() >= Level.SEVERE.intValue()) {
            logger.error(message, error);
        } else if (level.intValue() >= Level.WARNING.intValue()) {
            logger.warn(message, error);
        } else if (level.intValue() >= Level.INFO.intValue()) {
            logger.info(message, error);
        } else {
            logger.debug(message, error);
        }
    }

    @Override
    public void setLevel(String logger, Level level) {
        // Levels are logback's business (logback.xml).
    }

    @Override
    public boolean isLogLevelEnabled(Diagnostic diagnostic) {
        Logger logger = LoggerFactory.getLogger(diagnostic.getLogMessageId().getWhere());
        int level = diagnostic.getLevel().intValue();
        return level >= Level.WARNING.intValue() ? logger.isWarnEnabled()
                : level >= Level.INFO.intValue() ? logger.isInfoEnabled() : logger.isDebugEnabled();
    }
}
