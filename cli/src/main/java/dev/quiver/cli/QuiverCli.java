package dev.quiver.cli;

import dev.quiver.engine.Metric;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code quiver}: the command line of the engine. Bad input (an engine IllegalArgumentException, a
 * missing or malformed file) prints one line naming the bad value and exits 2, as picocli does for
 * a bad option; any other failure exits 1. {@code --verbose} adds the stack trace.
 */
@Command(name = "quiver", mixinStandardHelpOptions = true, versionProvider = QuiverCli.Version.class,
    description = "Pure-JVM vector search for two-tower recommendation recall.",
    subcommands = {DemoCommand.class, GenerateCommand.class, EmbedCommand.class, BuildSnapshotCommand.class, TuneCommand.class,
        SnapshotCommand.class, EvalCommand.class, CommandLine.HelpCommand.class})
public final class QuiverCli implements Callable<Integer> {
  /** Exit status for bad input, the same as picocli's for a bad option. */
  public static final int BAD_INPUT = 2;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(),
        "Missing command: " + String.join(", ", spec.subcommands().keySet()));
  }

  /** The configured command line; {@link CommandLine#execute} returns the exit status. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new QuiverCli());
    for (QuiverCommand plugged : ServiceLoader.load(QuiverCommand.class)) {
      cl.addSubcommand(plugged);
    }
    cl.registerConverter(Metric.class, QuiverCli::metric);
    cl.setExecutionExceptionHandler(QuiverCli::handle);
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  private static Metric metric(String name) {
    try {
      return Metric.fromName(name);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  private static int handle(Exception ex, CommandLine cmd, ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    if (cmd.getCommand() instanceof QuiverCommand q && q.verbose) {
      ex.printStackTrace(err);
    }
    String prefix = cmd.getCommandSpec().qualifiedName() + ": ";
    Throwable cause = ex instanceof UncheckedIOException u ? u.getCause() : ex;
    if (cause instanceof NoSuchFileException e) {
      err.println(prefix + "file not found: " + e.getFile());
      return BAD_INPUT;
    }
    if (cause instanceof IllegalArgumentException || cause instanceof IOException) {
      err.println(prefix + cause.getMessage());
      return BAD_INPUT;
    }
    err.println(prefix + "failed: " + cause + " (--verbose prints the stack trace)");
    return 1;
  }

  /** The version of the jar, or "development build" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = QuiverCli.class.getPackage().getImplementationVersion();
      return new String[] {"quiver " + (v != null ? v : "(development build)"),
          "JVM: " + Runtime.version() + " " + System.getProperty("java.vm.name")};
    }
  }
}
