package dev.metaorch.variant;

import dev.metaorch.common.MetaorchException;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Finds variant providers with {@link ServiceLoader}: the built-ins on the application class
 * path and the jars in a plugin directory, through one {@link URLClassLoader} whose parent is
 * the application loader. Each provider is loaded in its own try/catch so one broken jar never
 * hides the others; an API-version mismatch is a load failure; two providers with the same
 * name are an error naming both sources.
 */
public final class VariantRegistry {
    private final Map<String, Found> providers;
    private final List<String> failures;

    /** A provider and where it came from ("built-in" or a jar path). */
    public record Found(VariantProvider provider, String source) {
    }

    private VariantRegistry(Map<String, Found> providers, List<String> failures) {
        this.providers = providers;
        this.failures = failures;
    }

    public static VariantRegistry load(Path pluginDir) {
        Map<String, Found> found = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        List<String> duplicates = new ArrayList<>();
        ClassLoader app = VariantRegistry.class.getClassLoader();
        collect(ServiceLoader.load(VariantProvider.class, app), app, found, failures, duplicates);
        if (pluginDir != null && Files.isDirectory(pluginDir)) {
            List<URL> jars = new ArrayList<>();
            try (Stream<Path> files = Files.list(pluginDir)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                    jars.add(p.toUri().toURL());
                }
            } catch (MalformedURLException e) {
                failures.add(pluginDir + ": " + e.getMessage());
            } catch (IOException e) {
                failures.add(pluginDir + ": cannot list plugins: " + e.getMessage());
            }
            if (!jars.isEmpty()) {
                URLClassLoader loader = new URLClassLoader(jars.toArray(URL[]::new), app);
                collect(ServiceLoader.load(VariantProvider.class, loader), app, found, failures, duplicates);
            }
        }
        if (!duplicates.isEmpty()) {
            throw MetaorchException.invalidInput(duplicates);
        }
        return new VariantRegistry(found, failures);
    }

    private static void collect(ServiceLoader<VariantProvider> loader, ClassLoader app, Map<String, Found> found,
            List<String> failures, List<String> duplicates) {
        Iterator<ServiceLoader.Provider<VariantProvider>> it = loader.stream().iterator();
        while (true) {
            ServiceLoader.Provider<VariantProvider> p;
            try {
                if (!it.hasNext()) {
                    break;
                }
                p = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                failures.add("cannot load a variant provider: " + e.getMessage());
                continue;
            }
            String source;
            try {
                source = sourceOf(p.type(), app);
            } catch (RuntimeException | LinkageError e) {
                failures.add("cannot load a variant provider: " + e);
                continue;
            }
            if (found.values().stream().anyMatch(f -> f.provider().getClass() == p.type())) {
                continue; // a jar in the plugin dir already on the class path
            }
            try {
                VariantProvider provider = p.get();
                String name = provider.name();
                if (provider.apiVersion() != VariantProvider.API_VERSION) {
                    failures.add(source + ": variant '" + name + "' was built for SPI version " + provider.apiVersion()
                            + ", this metaorch speaks version " + VariantProvider.API_VERSION);
                    continue;
                }
                Found previous = found.putIfAbsent(name, new Found(provider, source));
                if (previous != null) {
                    duplicates.add("variant '" + name + "' is provided twice: by " + previous.source() + " and by " + source);
                }
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                failures.add(source + ": cannot instantiate " + p.type().getName() + ": " + e);
            }
        }
    }

    private static String sourceOf(Class<?> type, ClassLoader app) {
        if (type.getClassLoader() == app) {
            return "built-in";
        }
        var cs = type.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return "plugin";
        }
        try {
            return Path.of(cs.getLocation().toURI()).toString();
        } catch (Exception e) {
            return cs.getLocation().toString();
        }
    }

    public List<Found> all() {
        return List.copyOf(providers.values());
    }

    public List<String> failures() {
        return List.copyOf(failures);
    }

    public Optional<VariantProvider> find(String name) {
        return Optional.ofNullable(providers.get(name)).map(Found::provider);
    }

    /** The provider named {@code name}, or a bad-input error naming where it was asked for. */
    public VariantProvider require(String name, String where) {
        return find(name).orElseThrow(() -> MetaorchException.invalidInput(where + ": unknown variant '" + name
                + "' (available: " + String.join(", ", providers.keySet()) + ")"
                + (failures.isEmpty() ? "" : "; plugin load failures: " + String.join("; ", failures))));
    }
}
