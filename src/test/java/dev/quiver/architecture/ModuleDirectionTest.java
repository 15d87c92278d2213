package dev.quiver.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The direction of the modules, checked on the compiled product classes: each module's package
 * may use only the packages of the modules below it (docs/ARCHITECTURE.md draws the same graph).
 * A service that takes only the index core must not pull in the model runtime, Jackson or
 * HdrHistogram, the snapshot layer must not know what a tower is, and nothing shipped may use the
 * benchmarks.
 */
class ModuleDirectionTest {
  /** Each module's package and the Quiver packages it may use, besides its own. */
  private static final Map<String, List<String>> ALLOWED = new LinkedHashMap<>();

  static {
    ALLOWED.put("simd", List.of());
    ALLOWED.put("engine", List.of("simd"));
    ALLOWED.put("pq", List.of("engine", "simd"));
    ALLOWED.put("ivf", List.of("pq", "engine", "simd"));
    ALLOWED.put("hnsw", List.of("pq", "engine", "simd"));
    ALLOWED.put("tower", List.of("simd"));
    ALLOWED.put("gpu", List.of("tower", "simd"));
    ALLOWED.put("serving.snapshot", List.of("engine", "simd"));
    ALLOWED.put("serving.recall", List.of("serving.snapshot", "engine", "tower", "simd"));
    ALLOWED.put("tools", List.of("serving", "engine", "tower", "simd"));
    ALLOWED.put("cli", List.of("spark", "serving", "tools", "engine", "pq", "ivf", "hnsw", "tower", "gpu", "simd"));
  }

  /**
   * Every Quiver package a module could name: the modules above plus Spark's and the benchmarks'.
   * The spark module is not on this test's class path (nothing here depends on it), so its own
   * direction is not checked here; that no other module uses it is.
   */
  private static final List<String> ALL = List.of("simd", "engine", "pq", "ivf", "hnsw", "tower", "gpu",
      "serving.snapshot", "serving.recall", "tools", "spark", "cli", "bench");

  private static JavaClasses product;

  @BeforeAll
  static void importProduct() {
    product = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.quiver");
  }

  @Test
  void theProductIsOnTheClassPath() {
    for (String module : List.of("simd", "engine", "pq", "ivf", "hnsw", "tower", "gpu", "serving.snapshot",
        "serving.recall", "tools", "cli")) {
      assertTrue(product.containPackage("dev.quiver." + module), "no classes of dev.quiver." + module);
    }
  }

  @Test
  void eachModuleUsesOnlyTheModulesBelowIt() {
    for (Map.Entry<String, List<String>> e : ALLOWED.entrySet()) {
      String self = e.getKey();
      List<String> forbidden = new ArrayList<>();
      for (String other : ALL) {
        boolean allowed = other.equals(self) || e.getValue().stream()
            .anyMatch(a -> other.equals(a) || other.startsWith(a + "."));
        if (!allowed && !self.startsWith(other + ".")) {
          forbidden.add("dev.quiver." + other + "..");
        }
      }
      noClasses().that().resideInAPackage("dev.quiver." + self + "..")
          .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
          .because(self + " may use only " + e.getValue())
          .allowEmptyShould(true)
          .check(product);
    }
  }

  @Test
  void theKernelsUseTheJdkAlone() {
    classes().that().resideInAPackage("dev.quiver.simd..")
        .should().onlyDependOnClassesThat().resideInAnyPackage("dev.quiver.simd..", "java..", "jdk.incubator.vector..")
        .check(product);
  }

  @Test
  void theIndexCoreStaysLight() {
    noClasses().that().resideInAnyPackage("dev.quiver.engine..", "dev.quiver.pq..", "dev.quiver.ivf..",
            "dev.quiver.hnsw..")
        .should().dependOnClassesThat().resideInAnyPackage("com.fasterxml..", "org.HdrHistogram..",
            "me.tongfei..", "picocli..", "org.openjdk.jmh..")
        .check(product);
  }
}
