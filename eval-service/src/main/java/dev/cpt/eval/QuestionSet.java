package dev.cpt.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.common.Sha256;
import dev.cpt.contracts.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A held-out task: questions with reference answers, one JSON object per line ({@code {"prompt": ..., "reference":
 * ...}}). Named after its file (without extension); its sha256 is the file's, so task scores are comparable only
 * across the same file.
 */
record QuestionSet(String name, String sha256, List<Question> questions) {
    record Question(String prompt, String reference) {}

    static QuestionSet load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the question set " + file, e);
        }
        List<Question> questions = new ArrayList<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                JsonNode node = Json.MAPPER.readTree(line);
                JsonNode prompt = node.get("prompt");
                JsonNode reference = node.get("reference");
                if (prompt == null
                        || !prompt.isTextual()
                        || prompt.asText().isEmpty()
                        || reference == null
                        || !reference.isTextual()) {
                    throw new IllegalArgumentException("needs a non-empty text \"prompt\" and a text \"reference\"");
                }
                questions.add(new Question(prompt.asText(), reference.asText()));
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        if (questions.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no question");
        }
        String name = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        return new QuestionSet(name, Sha256.hex(bytes), List.copyOf(questions));
    }
}
