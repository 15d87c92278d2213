package dev.quiver.tools;

import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on standard error for a long step (generating rows, computing ground truth), or
 * nothing when it is not wanted (tests, small inputs). Thread-safe: workers step it concurrently.
 */
public final class Progress implements AutoCloseable {
  private static final Progress NONE = new Progress(null);

  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  /** A bar named {@code task} counting to {@code total} {@code unit}s when {@code show}, else a no-op. */
  public static Progress start(String task, long total, String unit, boolean show) {
    if (!show) {
      return NONE;
    }
    ProgressBarBuilder bar = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setUnit(" " + unit, 1)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .showSpeed();
    if (!interactive()) {
      // Redrawing one line with carriage returns garbles logs and pipes: print a line now and then.
      bar.setConsumer(new DelegatingProgressBarConsumer(System.err::println)).setUpdateIntervalMillis(5000);
    }
    return new Progress(bar.build());
  }

  private static boolean interactive() {
    java.io.Console console = System.console();
    return console != null && console.isTerminal();
  }

  public void step(long n) {
    if (bar != null) {
      bar.stepBy(n);
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
