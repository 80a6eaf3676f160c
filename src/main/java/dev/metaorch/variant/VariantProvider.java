package dev.metaorch.variant;

/**
 * The service interface of a variant plugin, listed in
 * {@code META-INF/services/dev.metaorch.variant.VariantProvider}. Constructors must be cheap and
 * take no arguments; the work happens in {@link #create}.
 */
public interface VariantProvider {
    /** The SPI version this build of metaorch speaks. */
    int API_VERSION = 1;

    /** The name configs use in {@code "variant"}. */
    String name();

    /** The SPI version the plugin was built against; must equal {@link #API_VERSION}. */
    default int apiVersion() {
        return API_VERSION;
    }

    /** The plugin's own version. */
    default String version() {
        String v = getClass().getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    String description();

    /** A variant instance for one arm; it may keep state across that arm's sessions. */
    Variant create(VariantContext context);
}
