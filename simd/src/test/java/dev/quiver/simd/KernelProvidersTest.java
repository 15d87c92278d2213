package dev.quiver.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quiver.simd.panama.PanamaKernelProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Provider selection; the tests run with --add-modules jdk.incubator.vector. */
class KernelProvidersTest {

  @AfterEach
  void clearProperty() {
    System.clearProperty(KernelProviders.PROPERTY);
  }

  @Test
  void panamaByDefaultWhenTheModuleIsPresent() {
    assertInstanceOf(PanamaKernelProvider.class, KernelProviders.select());
  }

  @Test
  void propertyForcesScalar() {
    System.setProperty(KernelProviders.PROPERTY, "scalar");
    assertInstanceOf(ScalarKernelProvider.class, KernelProviders.select());
    System.setProperty(KernelProviders.PROPERTY, " Scalar ");
    assertInstanceOf(ScalarKernelProvider.class, KernelProviders.select());
  }

  @Test
  void propertyPanamaSelectsPanama() {
    System.setProperty(KernelProviders.PROPERTY, "panama");
    assertInstanceOf(PanamaKernelProvider.class, KernelProviders.select());
  }

  @Test
  void unknownValueIsRejectedByName() {
    System.setProperty(KernelProviders.PROPERTY, "avx9");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, KernelProviders::select);
    assertEquals(true, e.getMessage().contains("avx9"), e.getMessage());
  }

  @Test
  void facadeUsesTheSelectedProvider() {
    float[] a = {1, 2, 3}, b = {4, 5, 6};
    assertEquals(32f, VectorKernels.dot(a, b));
    assertEquals(VectorKernels.provider().name(), KernelProviders.select().name());
  }
}
