package dev.cpt.model.io;

import java.util.Map;

/**
 * How the tensors of a Hugging Face file map onto a model's parameters, as one family reads the file's names.
 *
 * @param parameterOf file tensor name to the parameter it fills; a name no parameter has is an unexpected tensor
 * @param mustEqual file tensor name to the parameter it must equal (a tied head saved anyway); it fills nothing
 */
public record FileBinding(Map<String, String> parameterOf, Map<String, String> mustEqual) {}
