package org.tonle.pipelines;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.errorhandler.DefaultErrorHandlerDefinition;

/**
 * How every Tonle route fails, in one place (a Camel route configuration that applies to all
 * routes): no redelivery, the failure goes back to whoever sent the exchange (the HTTP request,
 * the importer, a programme's file route, which sets its file aside), and the route logs it as
 * one WARN line with the reason. Camel's default would log ERROR with the message history, the
 * body and a stack trace; a body can hold a raw case code (an intake form), so it is never logged.
 */
public final class RouteErrors extends RouteConfigurationBuilder {

    @Override
    public void configuration() {
        routeConfiguration().errorHandler(quiet());
    }

    /**
     * The policy itself. Programme routes get it set on each route as well, so a route file
     * cannot bring an error handler of its own that logs bodies.
     */
    public static DefaultErrorHandlerDefinition quiet() {
        DefaultErrorHandlerDefinition quiet = new DefaultErrorHandlerDefinition();
        quiet.loggingLevel(LoggingLevel.WARN).retriesExhaustedLogLevel(LoggingLevel.WARN).logStackTrace(false)
                .logExhaustedMessageHistory(false).logExhaustedMessageBody(false).logHandled(false);
        return quiet;
    }
}
