package org.tonle.host.http;

import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.ws.rs.ext.ContextResolver;

import org.tonle.core.Json;

/** Gives Jersey the node's one configured mapper ({@link Json}). */
public final class JsonMapper implements ContextResolver<ObjectMapper> {

    @Override
    public ObjectMapper getContext(Class<?> type) {
        return Json.MAPPER;
    }
}
