package dev.quiver.jcstress;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.openjdk.jcstress.Main;
import org.openjdk.jcstress.annotations.JCStressTest;

/**
 * Runs jcstress with the given arguments, then fails unless every stress test of this package
 * (those the {@code -t} filter selects, if one is given; at least one) wrote its report. jcstress fails a run
 * whose tests fail or throw, but exits 0 when it finds no test to run ("No matching tests": a
 * broken class path, a filter that names nothing), which would pass a build silently.
 */
public final class StressRun {
  private StressRun() {}

  public static void main(String[] args) throws Exception {
    Path results = Path.of(option(args, "-r", "results"));
    Pattern filter = Pattern.compile(option(args, "-t", ".*"));
    deleteReports(results);
    Main.main(args);
    List<String> selected = stressTests().stream().filter(t -> filter.matcher(t).find()).toList();
    List<String> missing = selected.stream().filter(t -> !Files.isRegularFile(results.resolve(t + ".html"))).toList();
    if (selected.isEmpty() || !missing.isEmpty()) {
      System.err.println(selected.isEmpty() ? "FAILED: the filter -t " + filter + " selects no stress test"
          : "FAILED: no jcstress report in " + results + " for " + missing);
      System.exit(1);
    }
  }

  /** The value after {@code name} in {@code args}, or {@code fallback}. */
  private static String option(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  /** Reports of an earlier run would hide a test that did not run this time. */
  private static void deleteReports(Path results) throws IOException {
    if (!Files.isDirectory(results)) {
      return;
    }
    try (Stream<Path> files = Files.list(results)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".html")).toList()) {
        Files.delete(f);
      }
    }
  }

  /** The classes of this package annotated {@link JCStressTest}, by binary name. */
  private static List<String> stressTests() throws IOException, URISyntaxException, ClassNotFoundException {
    Path dir = Path.of(StressRun.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve(StressRun.class.getPackageName().replace('.', '/'));
    List<String> tests = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String file = f.getFileName().toString();
        if (!file.endsWith(".class") || file.contains("$")) {
          continue;
        }
        String name = StressRun.class.getPackageName() + "." + file.substring(0, file.length() - ".class".length());
        Class<?> c = Class.forName(name, false, StressRun.class.getClassLoader());
        if (c.isAnnotationPresent(JCStressTest.class)) {
          tests.add(name);
        }
      }
    }
    if (tests.isEmpty()) {
      throw new IllegalStateException("no @JCStressTest class found in " + dir);
    }
    return tests;
  }
}
