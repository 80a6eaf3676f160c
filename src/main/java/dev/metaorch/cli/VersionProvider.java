package dev.metaorch.cli;

import dev.metaorch.common.BuildInfo;
import picocli.CommandLine;

/** The version from the jar manifest ({@code Implementation-Version}), else the build's ({@link BuildInfo}). */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = MetaorchCommand.class.getPackage().getImplementationVersion();
        return new String[] {"metaorch " + (v == null ? BuildInfo.version() : v),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }

    static String version() {
        String v = MetaorchCommand.class.getPackage().getImplementationVersion();
        return v == null ? BuildInfo.version() : v;
    }
}
