package dev.cpt.mixer;

import dev.cpt.mixing.MixingPolicy;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;

/**
 * Creates the configured mixing policy: {@code uniform} is built in; any other name goes to cpt-mixing's
 * {@code dev.cpt.mixing.Policies.create(name, params)} when that factory is on the class path, and a fully
 * qualified class name implementing {@link MixingPolicy} (with a {@code (Map<String, String>)} or no-argument
 * constructor) is instantiated directly.
 */
final class PolicyFactory {
    static final String MIXING_FACTORY = "dev.cpt.mixing.Policies";

    private PolicyFactory() {}

    static MixingPolicy create(String name, Map<String, String> params) {
        if (name.equals("uniform") && params.isEmpty()) {
            return new UniformPolicy();
        }
        Optional<Method> factory = mixingFactory();
        if (factory.isPresent() && !name.contains(".")) {
            return (MixingPolicy) invoke(() -> factory.get().invoke(null, name, params), name);
        }
        if (name.contains(".")) {
            return byClassName(name, params);
        }
        throw new IllegalArgumentException("unknown mixing policy '" + name + "' (with params " + params
                + "): built in is 'uniform'; others need cpt-mixing's " + MIXING_FACTORY + " or a class name");
    }

    private static Optional<Method> mixingFactory() {
        try {
            return Optional.of(Class.forName(MIXING_FACTORY, true, loader()).getMethod("create", String.class, Map.class));
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            return Optional.empty();
        }
    }

    private static MixingPolicy byClassName(String className, Map<String, String> params) {
        return invoke(() -> {
            Class<?> type = Class.forName(className, true, loader());
            if (!MixingPolicy.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException(className + " does not implement " + MixingPolicy.class.getName());
            }
            try {
                return (MixingPolicy) type.getConstructor(Map.class).newInstance(params);
            } catch (NoSuchMethodException e) {
                return (MixingPolicy) type.getConstructor().newInstance();
            }
        }, className);
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
            throw new IllegalArgumentException("cannot create mixing policy " + name + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot create mixing policy " + name + ": " + e, e);
        }
    }

    private static ClassLoader loader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : PolicyFactory.class.getClassLoader();
    }
}
