package dev.cpt.launcher;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * The demo's progress: stage, tokens, loss and ETA. On a terminal it is one line rewritten in place ({@code \r});
 * otherwise (a pipe, a CI log) a plain line when the stage changes and at most every {@code plainInterval}, so a
 * log is not flooded with one line a second.
 */
public final class ProgressLine {
    private final PrintStream out;
    private final boolean terminal;
    private final Duration plainInterval;
    private final long started = System.nanoTime();
    private String lastStage;
    private long lastPlainLine;
    private int lastWidth;
    private boolean open;

    ProgressLine(PrintStream out, boolean terminal, Duration plainInterval) {
        this.out = out;
        this.terminal = terminal;
        this.plainInterval = plainInterval;
    }

    /** For the launcher's own console: in place on a terminal, a line every 15 s otherwise. */
    public static ProgressLine forConsole(PrintStream out) {
        return new ProgressLine(out, System.console() != null, Duration.ofSeconds(15));
    }

    /**
     * @param loss what to show as loss (for example "python 2.871"), or null when none is known yet
     * @param eta the estimated time left for the whole demo, or null when it cannot be estimated yet
     */
    public synchronized void update(String stage, long tokens, String loss, Duration eta) {
        show(stage, format(elapsed(), stage, tokens, loss, eta));
    }

    /** Any progress line: rewritten in place on a terminal; otherwise printed when the stage changes or now and then. */
    public synchronized void show(String stage, String line) {
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
            open = true;
        } else {
            long now = System.nanoTime();
            if (!stage.equals(lastStage) || now - lastPlainLine >= plainInterval.toNanos()) {
                out.println(line);
                lastPlainLine = now;
            }
        }
        lastStage = stage;
        out.flush();
    }

    /** A message on a line of its own; the progress line continues below it. */
    public synchronized void message(String text) {
        endLine();
        out.println(text);
        out.flush();
    }

    /** Ends the in-place line, so that what is printed next starts on a fresh line. */
    public synchronized void endLine() {
        if (open) {
            out.println();
            open = false;
            lastWidth = 0;
        }
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - started);
    }

    static String format(Duration elapsed, String stage, long tokens, String loss, Duration eta) {
        return String.format(
                Locale.ROOT,
                "[%s] %-22s | tokens %,11d | loss %-18s | ETA %s",
                clock(elapsed),
                stage,
                tokens,
                loss == null ? "-" : loss,
                eta == null ? "-" : clock(eta));
    }

    static String clock(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
