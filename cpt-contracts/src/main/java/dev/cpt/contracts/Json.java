package dev.cpt.contracts;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;

/**
 * The one JSON mapping of every contract: ISO-8601 instants, unknown fields ignored so producers can evolve first,
 * and the {@link Versioned#FIELD schema version} of a message checked: the current and the previous one read, a newer
 * one is refused.
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .addHandler(new VersionCheck());

    private Json() {}

    /** Reads one message, or throws {@link MalformedMessageException} saying what is wrong with it. */
    public static <T> T read(String json, Class<T> type) {
        if (json == null || json.isBlank()) {
            throw new MalformedMessageException(
                    "empty message where a " + type.getSimpleName() + " was expected", null);
        }
        try {
            return MAPPER.readValue(json, type);
        } catch (JacksonException e) {
            throw new MalformedMessageException("not a valid " + type.getSimpleName() + ": " + rootReason(e), e);
        }
    }

    public static String write(Object message) {
        try {
            return MAPPER.writeValueAsString(message);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    "cannot write " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * Reads a {@link Versioned} message's version field, which no record component takes (it is written from the
     * interface), so Jackson hands it here as an unknown property, and refuses a version this code cannot read.
     */
    private static final class VersionCheck extends DeserializationProblemHandler {
        @Override
        public boolean handleUnknownProperty(
                DeserializationContext ctxt,
                JsonParser p,
                JsonDeserializer<?> deserializer,
                Object beanOrClass,
                String propertyName)
                throws IOException {
            Class<?> type = beanOrClass instanceof Class<?> c ? c : beanOrClass.getClass();
            if (!Versioned.FIELD.equals(propertyName) || !Versioned.class.isAssignableFrom(type)) {
                return false;
            }
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw InvalidFormatException.from(
                        p, Versioned.FIELD + " must be an integer, is " + p.getText(), p.getText(), int.class);
            }
            int version = p.getIntValue();
            if (version > Versioned.SCHEMA_VERSION || version < Versioned.OLDEST_READABLE) {
                throw InvalidFormatException.from(
                        p,
                        type.getSimpleName() + " of schema version " + version + ", this reader reads versions "
                                + Versioned.OLDEST_READABLE + " to " + Versioned.SCHEMA_VERSION
                                + (version > Versioned.SCHEMA_VERSION ? ": upgrade the consumer" : ""),
                        version,
                        int.class);
            }
            return true;
        }
    }

    private static String rootReason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof JacksonException je) {
            return je.getOriginalMessage();
        }
        return root.getMessage();
    }
}
