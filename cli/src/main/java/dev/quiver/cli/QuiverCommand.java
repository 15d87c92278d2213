package dev.quiver.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every quiver command shares: {@code --verbose} and the command line's output stream.
 *
 * <p>Commands outside this module (the benchmarks') plug in as services of this type: a subclass
 * with a public no-argument constructor listed in {@code META-INF/services/dev.quiver.cli.QuiverCommand}
 * becomes a subcommand when its jar is on the class path, so the shipped command line never depends
 * on them.
 */
public abstract class QuiverCommand implements Callable<Integer> {
  @Option(names = "--verbose", description = "Print the stack trace of an error.")
  protected boolean verbose;

  @Spec
  protected CommandSpec spec;

  protected PrintWriter out() {
    return spec.commandLine().getOut();
  }

  protected static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }
}
