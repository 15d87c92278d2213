package dev.quiver.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading and probing: runs everywhere, with or without nvcc at build time or a device now. */
class CudaTest {
  @TempDir Path dir;

  @Test
  void missingLibraryIsUnavailableWithItsPath() {
    Path missing = dir.resolve("nowhere/libquiver_gpu.so");
    Cuda cuda = Cuda.load(missing);
    assertFalse(cuda.available());
    assertEquals(Cuda.Status.LIBRARY_MISSING, cuda.status());
    assertTrue(cuda.reason().contains(missing.toString()), cuda.reason());
    assertEquals(0, cuda.deviceCount());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DeviceBuffer.allocate(cuda, 64));
    assertTrue(e.getMessage().contains("LIBRARY_MISSING"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> CudaStream.create(cuda));
    assertThrows(IllegalStateException.class, () -> PinnedBuffer.allocate(cuda, 64));
    assertThrows(IllegalStateException.class, cuda::device);
  }

  @Test
  void fileThatIsNotALibraryIsInvalid() throws IOException {
    Path bogus = Files.writeString(dir.resolve("libquiver_gpu.so"), "not an ELF file");
    Cuda cuda = Cuda.load(bogus);
    assertEquals(Cuda.Status.LIBRARY_INVALID, cuda.status());
    assertTrue(cuda.reason().contains(bogus.toString()), cuda.reason());
  }

  @Test
  void builtLibraryLoadsAndNamesTheCudaErrorWithoutADevice() {
    Path library = builtLibrary();
    Cuda cuda = Cuda.load(library);
    assertNotEquals(Cuda.Status.LIBRARY_MISSING, cuda.status(), cuda.reason());
    assertNotEquals(Cuda.Status.LIBRARY_INVALID, cuda.status(), cuda.reason());
    if (cuda.available()) {
      assertTrue(cuda.deviceCount() > 0);
      DeviceInfo device = cuda.device();
      assertFalse(device.name().isBlank());
      assertTrue(device.totalBytes() >= device.freeBytes() && device.freeBytes() > 0, device.toString());
    } else {
      // Toolkit without a driver (cudaErrorInsufficientDriver), or a driver without a device.
      assertTrue(List.of(Cuda.Status.NO_DEVICE, Cuda.Status.DRIVER_ERROR).contains(cuda.status()));
      assertTrue(cuda.reason().matches(".*cudaError[A-Za-z]+ \\(\\d+\\).*|no CUDA device.*"),
          cuda.reason());
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> DeviceBuffer.allocate(cuda, 64));
      assertTrue(e.getMessage().contains(cuda.reason()), e.getMessage());
    }
  }

  @Test
  void defaultRuntimeUsesThePackagedLibrary() {
    assumeTrue(System.getProperty(Cuda.LIBRARY_PROPERTY) == null, "library given by property");
    Cuda cuda = Cuda.runtime();
    assertTrue(cuda == Cuda.runtime(), "loaded once");
    if (Cuda.class.getResource("native/libquiver_gpu.so") == null) {
      assertEquals(Cuda.Status.LIBRARY_MISSING, cuda.status());
      assertTrue(cuda.reason().contains("nvcc"), cuda.reason());
    } else {
      assertEquals(Cuda.load(builtLibrary()).status(), cuda.status(), cuda.reason());
    }
  }

  @Test
  void cublasLoadsOrSaysWhyNot() {
    Cublas cublas = Cublas.library();
    assertEquals(cublas.available(), cublas.reason() == null);
    if (!cublas.available()) {
      assertTrue(cublas.reason().contains("libcublas"), cublas.reason());
      assertEquals(GpuMlp.Gemm.KERNEL, GpuMlp.defaultGemm());
    }
  }

  @Test
  void networkOnAnUnavailableRuntimeIsRefused() {
    Cuda cuda = Cuda.load(dir.resolve("missing.so"));
    DenseNetwork net = new DenseNetwork(
        List.of(new DenseLayer(2, 1, new float[] {1, 2}, null, Activation.RELU)), false, 1f);
    assertThrows(IllegalStateException.class, () -> GpuMlp.upload(cuda, net, 8, GpuMlp.Gemm.KERNEL));
  }

  @Test
  void libraryInsideAJarIsExtractedToAFile() throws Exception {
    byte[] content = {0x7f, 'E', 'L', 'F', 1, 2, 3};
    Path jar = dir.resolve("lib.jar");
    try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new java.util.jar.JarEntry("dev/quiver/gpu/native/libquiver_gpu.so"));
      out.write(content);
    }
    URL url = java.net.URI.create("jar:" + jar.toUri() + "!/dev/quiver/gpu/native/libquiver_gpu.so")
        .toURL();
    Path copy = Cuda.localCopy(url);
    assertTrue(copy.getFileName().toString().endsWith(".so"), copy.toString());
    assertTrue(java.util.Arrays.equals(content, Files.readAllBytes(copy)));
    Path unpacked = Files.write(dir.resolve("libquiver_gpu.so"), content);
    assertEquals(unpacked, Cuda.localCopy(unpacked.toUri().toURL()));
  }

  /** The library the build compiled into target/classes; skips the test when nvcc was absent. */
  static Path builtLibrary() {
    URL url = Cuda.class.getResource("native/libquiver_gpu.so");
    assumeTrue(url != null, "libquiver_gpu.so was not built (no nvcc)");
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
