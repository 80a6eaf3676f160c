package dev.metaorch.cli;

import picocli.CommandLine;

/** The version from the jar manifest ({@code Implementation-Version}); "dev" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = MetaorchCommand.class.getPackage().getImplementationVersion();
        return new String[] {"metaorch " + (v == null ? "dev" : v),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }

    static String version() {
        String v = MetaorchCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
