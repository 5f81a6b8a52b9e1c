package dev.cpt.mixer;

import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.Policies;
import java.lang.reflect.InvocationTargetException;
import java.util.Map;

/**
 * Creates the configured mixing policy: a name of cpt-mixing's {@link Policies} ({@code static}, {@code uniform},
 * {@code temperature}, {@code odm}, {@code cmr}, {@code agent}), or the fully qualified name of a class
 * implementing {@link MixingPolicy} (with a {@code (Map<String, String>)} or no-argument constructor), so a team can
 * plug in its own policy without forking the mixer.
 */
final class PolicyFactory {
    private PolicyFactory() {}

    static MixingPolicy create(String name, Map<String, String> params) {
        if (name.contains(".")) {
            return byClassName(name, params);
        }
        return Policies.create(name, params);
    }

    private static MixingPolicy byClassName(String className, Map<String, String> params) {
        return invoke(
                () -> {
                    Class<?> type = Class.forName(className, true, loader());
                    if (!MixingPolicy.class.isAssignableFrom(type)) {
                        throw new IllegalArgumentException(
                                className + " does not implement " + MixingPolicy.class.getName());
                    }
                    try {
                        return (MixingPolicy) type.getConstructor(Map.class).newInstance(params);
                    } catch (NoSuchMethodException e) {
                        return (MixingPolicy) type.getConstructor().newInstance();
                    }
                },
                className);
    }

    private interface Reflective<T> {
        T call() throws ReflectiveOperationException;
    }

    private static <T> T invoke(Reflective<T> call, String name) {
        try {
            return call.call();
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // the factory's own message, e.g. an unknown name or a misspelt parameter
            }
            throw new IllegalArgumentException(
                    "cannot create mixing policy " + name + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot create mixing policy " + name + ": " + e, e);
        }
    }

    private static ClassLoader loader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : PolicyFactory.class.getClassLoader();
    }
}
