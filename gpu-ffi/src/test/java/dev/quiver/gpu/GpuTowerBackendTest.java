package dev.quiver.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerBackend;
import dev.quiver.tower.TowerBackendProvider;
import dev.quiver.tower.TowerBackends;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GPU tower backend against the CPU's on the PyTorch fixtures. Where no device is usable
 * (library missing, library without a device, CPU forced) selection gives the CPU backend; the
 * device tests (skipped without a device or the fake one) check the GPU's vectors at batch sizes
 * 1 to 4096, single requests through the batcher, freeing on close, and fallback on errors.
 */
class GpuTowerBackendTest {
  private static final double TOLERANCE = 1e-4;
  private static final int[] BATCHES = {1, 2, 3, 31, 255, 256, 257, 1000, 4096};
  private static final long MIB = 1 << 20;

  @TempDir Path tmp;

  // ---- Everywhere: no usable device gives the CPU -------------------------------------------

  @Test
  void missingLibraryGivesTheCpu() throws IOException {
    assertCpuChosen(Cuda.load(tmp.resolve("libquiver_gpu.so")), Cuda.Status.LIBRARY_MISSING);
  }

  @Test
  void libraryWithoutDeviceGivesTheCpu() throws IOException, URISyntaxException {
    URL lib = Cuda.class.getResource("native/libquiver_gpu.so");
    assumeTrue(lib != null, "libquiver_gpu.so not built (no nvcc)");
    Cuda cuda = Cuda.load(Path.of(lib.toURI()));
    assumeTrue(!cuda.available(), "a device is present");
    assertCpuChosen(cuda, cuda.status());
  }

  @Test
  void forcedCpuGivesTheCpuEvenWithADevice() throws IOException {
    TowerBackend b = TowerBackends.choose("cpu", List.of(new GpuTowerBackendProvider()));
    assertSame(CpuTowerBackend.INSTANCE, b);
    assertSameAsCpu(b);
  }

  @Test
  void backendRefusesAnUnavailableRuntime() {
    Cuda cuda = Cuda.load(tmp.resolve("libquiver_gpu.so"));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new GpuTowerBackend(cuda, DynamicBatcher.Options.defaults()));
    assertTrue(e.getMessage().contains("LIBRARY_MISSING"), e.getMessage());
  }

  @Test
  void batchingOptionsComeFromTheProperties() {
    assertEquals(DynamicBatcher.Options.defaults(), GpuTowerBackendProvider.options(null, null));
    DynamicBatcher.Options o = GpuTowerBackendProvider.options("512", "50");
    assertEquals(512, o.maxBatch());
    assertEquals(50_000, o.maxWaitNanos());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GpuTowerBackendProvider.options("lots", null));
    assertTrue(e.getMessage().contains("quiver.gpu.batch.max=lots"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> GpuTowerBackendProvider.options(null, "-1"));
  }

  private void assertCpuChosen(Cuda cuda, Cuda.Status status) throws IOException {
    List<TowerBackendProvider> providers = List.of(new GpuTowerBackendProvider(() -> cuda));
    TowerBackend auto = TowerBackends.choose("", providers);
    assertSame(CpuTowerBackend.INSTANCE, auto);
    assertSameAsCpu(auto);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TowerBackends.choose("gpu", providers));
    assertTrue(e.getMessage().contains(status.name()), e.getMessage());
  }

  /** {@code b} gives exactly the CPU's vectors on every fixture tower. */
  private void assertSameAsCpu(TowerBackend b) throws IOException {
    for (String variant : TowerFixtures.VARIANTS) {
      Path dir = TowerFixtures.copy(variant, tmp);
      try (TowerModel model = TowerModel.load(dir)) {
        for (Tower t : List.of(model.user(), model.item())) {
          FeatureRow[] rows = TowerFixtures.rows(dir, t, 100);
          float[] want = new float[rows.length * t.heads() * t.dim()];
          float[] got = new float[want.length];
          t.embedBatch(rows, rows.length, want);
          b.embed(t, rows, rows.length, got);
          assertArrayEquals(want, got, variant + "/" + t.name());
        }
      }
    }
  }

  // ---- On a device (or the fake one) --------------------------------------------------------

  private static Cuda device() {
    Cuda cuda = Cuda.runtime();
    assumeTrue(cuda.available(), () -> "no usable GPU: " + cuda.reason());
    return cuda;
  }

  private static GpuTowerBackend backend(Cuda cuda) {
    return new GpuTowerBackend(cuda, new DynamicBatcher.Options(64, 100_000, 256));
  }

  @ParameterizedTest
  @ValueSource(strings = {"basic", "rich", "half", "bf16"})
  void gpuMatchesTheCpuAtEveryBatchSize(String variant) throws IOException {
    GpuTowerBackend gpu = backend(device());
    Path dir = TowerFixtures.copy(variant, tmp);
    try (TowerModel model = TowerModel.load(dir)) {
      for (Tower t : List.of(model.user(), model.item())) {
        FeatureRow[] rows = TowerFixtures.rows(dir, t, 4096);
        int width = t.heads() * t.dim();
        float[] want = new float[rows.length * width];
        CpuTowerBackend.INSTANCE.embed(t, rows, rows.length, want);
        for (int n : BATCHES) {
          float[] got = new float[n * width];
          gpu.embed(t, rows, n, got);
          double error = TowerFixtures.maxRelativeError(want, got, n * t.heads(), t.dim());
          assertTrue(error <= TOLERANCE, variant + "/" + t.name() + " batch " + n + ": " + error);
        }
      }
    }
    assertEquals(0, gpu.fallbackCount());
  }

  /** Towers with layers the device kernels lack (layer norm, GELU, PReLU, ELU...) are left to the CPU. */
  @Test
  void layersWithoutDeviceKernelsStayOnTheCpu() throws IOException {
    Path norm = TowerFixtures.copy("team/share_bottom", tmp);
    Path elu = TowerFixtures.copy("team/shared_dnn", tmp);
    Path plain = TowerFixtures.copy("team/dssm", tmp);
    try (TowerModel a = TowerModel.load(norm); TowerModel b = TowerModel.load(elu);
         TowerModel c = TowerModel.load(plain)) {
      assertTrue(TowerPlan.unsupported(a.user()).contains("layer norm"), TowerPlan.unsupported(a.user()));
      assertTrue(TowerPlan.unsupported(b.item()).contains("ELU"), TowerPlan.unsupported(b.item()));
      assertEquals(null, TowerPlan.unsupported(c.user()));
      assertEquals(null, TowerPlan.unsupported(c.item()));
      Cuda cuda = Cuda.runtime();
      assumeTrue(cuda.available(), () -> "no usable GPU: " + cuda.reason());
      GpuTowerBackend gpu = backend(cuda);
      FeatureRow[] rows = TowerFixtures.rows(norm, a.user(), 300);
      int width = a.user().heads() * a.user().dim();
      float[] want = new float[rows.length * width];
      float[] got = new float[rows.length * width];
      CpuTowerBackend.INSTANCE.embed(a.user(), rows, rows.length, want);
      gpu.embed(a.user(), rows, rows.length, got);
      assertArrayEquals(want, got);
    }
  }

  /** Heads of different sizes (16 and 8 floats) are laid out by the CPU tower, not the device plan. */
  @Test
  void headsOfDifferentSizesStayOnTheCpu() throws IOException {
    Path mixed = TowerFixtures.copy("team/mixed_dims", tmp);
    try (TowerModel m = TowerModel.load(mixed)) {
      assertTrue(TowerPlan.unsupported(m.user()).contains("heads of different dimensions [click 16-d, like 8-d]"),
          TowerPlan.unsupported(m.user()));
      Cuda cuda = Cuda.runtime();
      assumeTrue(cuda.available(), () -> "no usable GPU: " + cuda.reason());
      FeatureRow[] rows = TowerFixtures.rows(mixed, m.user(), 100);
      float[] want = new float[rows.length * m.user().width()];
      float[] got = new float[want.length];
      CpuTowerBackend.INSTANCE.embed(m.user(), rows, rows.length, want);
      backend(cuda).embed(m.user(), rows, rows.length, got);
      assertArrayEquals(want, got);
    }
  }

  /**
   * Heads the device network cannot finish: a temperature without normalisation (one head, and
   * one of several) and heads without layers beside the shared ones, finished on the host.
   */
  @Test
  void headsFinishedOnTheHostMatchTheCpu() throws IOException {
    GpuTowerBackend gpu = backend(device());
    Path basic = TowerFixtures.copy("basic", tmp);
    edit(basic, m -> {
      ObjectNode user = (ObjectNode) m.at("/towers/user/heads/0");
      user.put("l2_normalize", false).put("temperature", 0.5);
      ArrayNode itemHeads = (ArrayNode) m.at("/towers/item/heads");
      itemHeads.addObject().put("name", "raw").put("l2_normalize", false).put("temperature", 2.0)
          .putArray("layers");
    });
    Path rich = TowerFixtures.copy("rich", tmp);
    edit(rich, m -> ((ObjectNode) m.at("/towers/user/heads/2")).put("temperature", 2.0));
    for (Path dir : List.of(basic, rich)) {
      try (TowerModel model = TowerModel.load(dir)) {
        for (Tower t : List.of(model.user(), model.item())) {
          FeatureRow[] rows = TowerFixtures.rows(dir, t, 300);
          int width = t.heads() * t.dim();
          float[] want = new float[rows.length * width];
          t.embedBatch(rows, rows.length, want);
          for (int n : new int[] {1, 300}) {
            float[] got = new float[n * width];
            gpu.embed(t, rows, n, got);
            double error = TowerFixtures.maxRelativeError(want, got, n * t.heads(), t.dim());
            assertTrue(error <= TOLERANCE, dir.getFileName() + "/" + t.name() + " batch " + n + ": " + error);
          }
        }
      }
    }
    assertEquals(0, gpu.fallbackCount());
  }

  private static void edit(Path dir, java.util.function.Consumer<JsonNode> change) throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode m = json.readTree(dir.resolve("model.json").toFile());
    change.accept(m);
    json.writeValue(dir.resolve("model.json").toFile(), m);
  }

  @Test
  void concurrentSingleRequestsShareBatchesAndGetTheirOwnVectors() throws Exception {
    GpuTowerBackend gpu = backend(device());
    Path dir = TowerFixtures.copy("rich", tmp);
    try (TowerModel model = TowerModel.load(dir)) {
      Tower t = model.user();
      FeatureRow[] rows = TowerFixtures.rows(dir, t, 300);
      int width = t.heads() * t.dim();
      float[] want = new float[rows.length * width];
      t.embedBatch(rows, rows.length, want);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> threads = new ArrayList<>();
      for (int c = 0; c < 6; c++) {
        int first = c;
        threads.add(Thread.ofPlatform().start(() -> {
          float[] out = new float[width];
          FeatureRow[] one = new FeatureRow[1];
          for (int r = first; r < rows.length; r += 3) {
            one[0] = rows[r];
            gpu.embed(t, one, 1, out);
            float[] w = java.util.Arrays.copyOfRange(want, r * width, (r + 1) * width);
            double error = TowerFixtures.maxRelativeError(w, out, t.heads(), t.dim());
            if (error > TOLERANCE) {
              failure.compareAndSet(null, new AssertionError("row " + r + ": " + error));
            }
          }
        }));
      }
      for (Thread th : threads) {
        th.join();
      }
      assertNull(failure.get());
    }
    assertEquals(0, gpu.fallbackCount());
  }

  @Test
  void closingModelsFreesTheirDeviceMemory() throws IOException {
    Cuda cuda = device();
    GpuTowerBackend gpu = backend(cuda);
    Path dir = TowerFixtures.copy("rich", tmp);
    cycle(gpu, dir); // first use loads the kernels' modules and cuBLAS's state, which stay
    long before = cuda.freeMemory();
    for (int i = 0; i < 5; i++) {
      cycle(gpu, dir);
    }
    long after = cuda.freeMemory();
    assertTrue(before - after <= 2 * MIB, "free device memory fell by " + (before - after) + " bytes");
  }

  private static void cycle(GpuTowerBackend gpu, Path dir) throws IOException {
    try (TowerModel model = TowerModel.load(dir)) {
      for (Tower t : List.of(model.user(), model.item())) {
        FeatureRow[] rows = TowerFixtures.rows(dir, t, 300);
        gpu.embed(t, rows, rows.length, new float[rows.length * t.heads() * t.dim()]);
        gpu.embed(t, rows, 1, new float[t.heads() * t.dim()]);
      }
    }
  }

  @Test
  void aFailedBatchIsAnsweredByTheCpuAndCounted() throws IOException {
    GpuTowerBackend gpu = backend(device());
    MethodHandle failNext = faultInjection();
    Path dir = TowerFixtures.copy("basic", tmp);
    try (TowerModel model = TowerModel.load(dir)) {
      Tower t = model.user();
      FeatureRow[] rows = TowerFixtures.rows(dir, t, 200);
      float[] want = new float[rows.length * t.dim()];
      t.embedBatch(rows, rows.length, want);
      float[] got = new float[want.length];
      gpu.embed(t, rows, rows.length, got); // uploads the tower
      failNext(failNext, 2); // cudaErrorMemoryAllocation: not sticky
      gpu.embed(t, rows, rows.length, got);
      assertArrayEquals(want, got);
      assertEquals(rows.length, gpu.fallbackCount());
      failNext(failNext, 2);
      float[] one = new float[t.dim()];
      gpu.embed(t, rows, 1, one);
      assertArrayEquals(java.util.Arrays.copyOf(want, t.dim()), one);
      assertEquals(rows.length + 1, gpu.fallbackCount());
      assertNull(gpu.broken());
      gpu.embed(t, rows, rows.length, got); // the device again
      assertTrue(TowerFixtures.maxRelativeError(want, got, rows.length, t.dim()) <= TOLERANCE);
      assertEquals(rows.length + 1, gpu.fallbackCount());
    }
  }

  @Test
  void aStickyErrorSendsEveryLaterRequestToTheCpu() throws IOException {
    GpuTowerBackend gpu = backend(device());
    MethodHandle failNext = faultInjection();
    Path dir = TowerFixtures.copy("basic", tmp);
    try (TowerModel model = TowerModel.load(dir)) {
      Tower t = model.user();
      FeatureRow[] rows = TowerFixtures.rows(dir, t, 50);
      float[] want = new float[rows.length * t.dim()];
      t.embedBatch(rows, rows.length, want);
      float[] got = new float[want.length];
      failNext(failNext, 700); // cudaErrorIllegalAddress
      gpu.embed(t, rows, rows.length, got);
      assertArrayEquals(want, got);
      assertEquals(rows.length, gpu.fallbackCount());
      assertNotNull(gpu.broken());
      assertTrue(gpu.broken().contains("cudaErrorIllegalAddress"), gpu.broken());
      java.util.Arrays.fill(got, 0f);
      gpu.embed(t, rows, rows.length, got); // straight to the CPU: not a device failure
      gpu.embed(t, rows, 1, got);
      assertArrayEquals(want, got);
      assertEquals(rows.length, gpu.fallbackCount());
    }
  }

  @Test
  void aRowOfAnotherTowerIsRefusedNotFallenBackOn() throws IOException {
    GpuTowerBackend gpu = backend(device());
    Path dir = TowerFixtures.copy("basic", tmp);
    try (TowerModel model = TowerModel.load(dir)) {
      FeatureRow[] items = TowerFixtures.rows(dir, model.item(), 2);
      float[] out = new float[2 * model.user().dim()];
      assertThrows(IllegalArgumentException.class, () -> gpu.embed(model.user(), items, 2, out));
      assertThrows(IllegalArgumentException.class, () -> gpu.embed(model.user(), items, 1, out));
      assertEquals(0, gpu.fallbackCount());
      assertNull(gpu.broken());
    }
  }

  /** The fake device's {@code qv_fake_fail_next}; skips where the library is not the fake. */
  @SuppressWarnings("restricted")
  private static MethodHandle faultInjection() {
    String lib = System.getProperty(Cuda.LIBRARY_PROPERTY);
    assumeTrue(lib != null, "fault injection needs the fake device");
    Optional<MemorySegment> f = SymbolLookup.libraryLookup(Path.of(lib), Arena.global())
        .find("qv_fake_fail_next");
    assumeTrue(f.isPresent(), "fault injection needs the fake device");
    return Linker.nativeLinker().downcallHandle(f.get(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
  }

  private static void failNext(MethodHandle h, int status) {
    try {
      h.invokeExact(status);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }
}
