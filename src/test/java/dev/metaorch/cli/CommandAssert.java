package dev.metaorch.cli;

import org.assertj.core.api.AbstractAssert;

/** AssertJ assertions for {@link CommandResult} (jbang's pattern). */
public final class CommandAssert extends AbstractAssert<CommandAssert, CommandResult> {
    private CommandAssert(CommandResult actual) {
        super(actual, CommandAssert.class);
    }

    public static CommandAssert assertThat(CommandResult actual) {
        return new CommandAssert(actual);
    }

    public CommandAssert succeeded() {
        return exitedWith(0);
    }

    public CommandAssert exitedWith(int code) {
        isNotNull();
        if (actual.exitCode() != code) {
            failWithMessage("expected exit code %d but was %d%nstdout:%n%s%nstderr:%n%s", code, actual.exitCode(),
                    actual.out(), actual.err());
        }
        return this;
    }

    public CommandAssert outContains(String text) {
        if (!actual.out().contains(text)) {
            failWithMessage("expected stdout to contain <%s> but was:%n%s%nstderr:%n%s", text, actual.out(), actual.err());
        }
        return this;
    }

    public CommandAssert errContains(String text) {
        if (!actual.err().contains(text)) {
            failWithMessage("expected stderr to contain <%s> but was:%n%s", text, actual.err());
        }
        return this;
    }

    /** stderr has exactly {@code n} lines. */
    public CommandAssert errLines(int n) {
        long lines = actual.err().lines().count();
        if (lines != n) {
            failWithMessage("expected %d line(s) on stderr but got %d:%n%s", n, lines, actual.err());
        }
        return this;
    }

    public CommandAssert errDoesNotContain(String text) {
        if (actual.err().contains(text)) {
            failWithMessage("expected stderr not to contain <%s> but was:%n%s", text, actual.err());
        }
        return this;
    }

    public CommandAssert noStackTrace() {
        if (actual.err().contains("\tat ") || actual.err().contains("Exception in thread")) {
            failWithMessage("expected no stack trace on stderr but was:%n%s", actual.err());
        }
        return this;
    }
}
