package dev.cpt.contracts;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The one JSON mapping of every contract: ISO-8601 instants, unknown fields ignored so producers can evolve first. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

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
