package dev.cpt.launcher;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The option of the commands that work on a stack another {@code cpt} started: where its data directory is. */
final class StackDirectory {
    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            defaultValue = ".cpt",
            description = "The stack's data directory, where cpt up (or cpt demo) wrote " + StackFile.NAME
                    + ". Default: ${DEFAULT-VALUE}")
    Path dataDir;

    /** The stack recorded there, which must be running. */
    StackFile running() {
        StackFile stack = StackFile.read(dataDir);
        if (!stack.running()) {
            throw new IllegalArgumentException("the stack in " + dataDir.toAbsolutePath() + " has stopped (process "
                    + stack.pid() + " is gone): start it with cpt up");
        }
        return stack;
    }
}
