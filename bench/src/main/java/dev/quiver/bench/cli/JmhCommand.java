package dev.quiver.bench.cli;

import dev.quiver.cli.QuiverCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** Hands every argument to JMH ({@code ./quiver jmh -h} shows JMH's own help). */
@Command(name = "jmh", description = "Run the JMH benchmarks; all arguments go to JMH (try: jmh -l, jmh -h).")
public final class JmhCommand extends QuiverCommand {
  @Unmatched
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    org.openjdk.jmh.Main.main(args.toArray(String[]::new));
    return 0;
  }
}
