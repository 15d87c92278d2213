package dev.quiver.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class DenseNetworkTest {
  private static DenseLayer layer(int in, int out) {
    return new DenseLayer(in, out, new float[in * out], new float[out], Activation.RELU);
  }

  @Test
  void widthsChainAndDimsAreReported() {
    DenseNetwork net = new DenseNetwork(List.of(layer(5, 7), layer(7, 3)), true, 0.05f);
    assertEquals(5, net.inputDim());
    assertEquals(3, net.outputDim());
    assertEquals(7, net.maxWidth());
  }

  @Test
  void badLayersNameTheBadValue() {
    assertMessage("weights has 5 values", () -> new DenseLayer(2, 3, new float[5], null,
        Activation.RELU));
    assertMessage("bias has 2 values", () -> new DenseLayer(2, 3, new float[6], new float[2],
        Activation.RELU));
    assertMessage("in=0", () -> new DenseLayer(0, 3, new float[0], null, Activation.RELU));
    float[] w = new float[6];
    w[4] = Float.NaN;
    assertMessage("weights[4] is not finite", () -> new DenseLayer(2, 3, w, null, Activation.GELU));
  }

  @Test
  void badNetworksNameTheBadValue() {
    assertMessage("layer 1 takes 4 inputs but layer 0 gives 7",
        () -> new DenseNetwork(List.of(layer(5, 7), layer(4, 3)), false, 1f));
    assertMessage("at least one layer", () -> new DenseNetwork(List.of(), false, 1f));
    assertMessage("temperature must be positive and finite: 0.0",
        () -> new DenseNetwork(List.of(layer(2, 2)), true, 0f));
    assertMessage("needs l2Normalize", () -> new DenseNetwork(List.of(layer(2, 2)), false, 0.5f));
  }

  private static void assertMessage(String expected, Executable e) {
    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
    assertTrue(x.getMessage().contains(expected), x.getMessage());
  }
}
