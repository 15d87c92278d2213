package dev.quiver.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every quiver command shares: {@code --verbose} and the command line's output stream. */
abstract class QuiverCommand implements Callable<Integer> {
  @Option(names = "--verbose", description = "Print the stack trace of an error.")
  boolean verbose;

  @Spec
  CommandSpec spec;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }
}
