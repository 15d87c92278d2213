package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configs and weights are refused at load with errors naming what is wrong. */
class ModelValidationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path spoiled(Consumer<ObjectNode> edit) throws IOException {
    Path dir = Fixtures.copy("basic", tmp);
    ObjectNode root = (ObjectNode) JSON.readTree(dir.resolve("model.json").toFile());
    edit.accept(root);
    JSON.writeValue(dir.resolve("model.json").toFile(), root);
    return dir;
  }

  private static ObjectNode user(ObjectNode root) {
    return (ObjectNode) root.path("towers").path("user");
  }

  private static ObjectNode feature(ObjectNode root, int i) {
    return (ObjectNode) user(root).path("features").get(i);
  }

  private static void assertRefused(Path dir, String... parts) {
    IOException e = assertThrows(IOException.class, () -> TowerModel.load(dir).close());
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
    }
  }

  @Test
  void wrongLayerWidthNamesTensorAndBothShapes() throws IOException {
    Path dir = spoiled(r -> ((ObjectNode) user(r).path("layers").get(0)).put("units", 31));
    assertRefused(dir, "towers.user.layers[0]", "'user.mlp.0.weight'", "[32, 17]", "[31, 17]");
  }

  @Test
  void wrongEmbeddingDimNamesTensorAndBothShapes() throws IOException {
    Path dir = spoiled(r -> feature(r, 0).put("dim", 9));
    assertRefused(dir, "user_id", "'user.embeddings.user_id.weight'", "[997, 8]", "[997, 9]");
  }

  @Test
  void wrongBucketCountIsAShapeMismatch() throws IOException {
    assertRefused(spoiled(r -> feature(r, 0).put("buckets", 1000)), "[997, 8]", "[1000, 8]");
  }

  @Test
  void vocabularyOfAnotherSizeIsAShapeMismatch() throws IOException {
    assertRefused(spoiled(r -> ((ArrayNode) feature(r, 2).path("vocabulary")).add("xx")),
        "user.embeddings.country.weight", "[9, 4]", "[10, 4]");
  }

  @Test
  void missingTensorIsNamed() throws IOException {
    Path dir = spoiled(r -> feature(r, 1).put("embedding", "user.embeddings.nope.weight"));
    assertRefused(dir, "'user.embeddings.nope.weight'", "missing");
  }

  @Test
  void missingBatchNormStatisticIsNamed() throws IOException {
    Path dir = spoiled(r -> ((ObjectNode) user(r).path("layers").get(0)).put("batch_norm", "user.mlp.9"));
    assertRefused(dir, "'user.mlp.9.weight'");
  }

  @Test
  void badValuesAreNamed() throws IOException {
    assertRefused(spoiled(r -> ((ObjectNode) user(r).path("layers").get(0)).put("activation", "mish")),
        "towers.user.layers[0]", "'mish'", "gelu", "prelu");
    assertRefused(spoiled(r -> feature(r, 0).put("pooling", "median")), "(user_id)", "'median'", "sqrtn");
    assertRefused(spoiled(r -> feature(r, 1).putArray("transform").addObject().put("op", "log")),
        "(age)", "transform[0]", "'log'");
    assertRefused(spoiled(r -> feature(r, 1).putArray("transform").addObject().put("op", "clip")
        .put("min", 5).put("max", 1)), "(age)", "clip", "5.0, 1.0");
    assertRefused(spoiled(r -> feature(r, 0).put("right", true)), "(user_id)", "only numeric");
    assertRefused(spoiled(r -> ((ObjectNode) user(r).path("layers").get(0)).put("activation", "prelu")),
        "towers.user.layers[0]", "prelu weight tensor");
    assertRefused(spoiled(r -> ((ObjectNode) user(r).path("layers").get(0)).put("layer_norm", "user.ln")),
        "towers.user.layers[0]", "'user.ln.weight'", "missing");
    assertRefused(spoiled(r -> ((ObjectNode) user(r).path("heads").get(0)).put("logit_scale", "s")),
        "more than one of temperature");
    assertRefused(spoiled(r -> feature(r, 1).putArray("boundaries").add(1).add(3).add(2)),
        "(age)", "boundaries", "index 2");
    assertRefused(spoiled(r -> feature(r, 0).put("type", "float")), "(user_id)", "'float'");
    assertRefused(spoiled(r -> feature(r, 0).put("missing_bucket", 997)), "missing_bucket 997");
    assertRefused(spoiled(r -> feature(r, 2).put("multi_valued", true)), "(country)", "multi-valued");
    assertRefused(spoiled(r -> feature(r, 1).put("name", "user_id")), "repeats", "'user_id'");
    assertRefused(spoiled(r -> ((ObjectNode) user(r).path("heads").get(0)).put("temperature", 0.0)),
        "temperature 0.0");
  }

  /** Heads may differ in size: which ones pair is the served snapshot's business, not the model's. */
  @Test
  void headsOfDifferentDimensionsLoadEachWithItsOwn() throws IOException {
    Path dir = spoiled(r -> {
      ArrayNode heads = (ArrayNode) user(r).path("heads");
      ObjectNode second = heads.addObject().put("name", "like");
      second.putArray("layers");
    });
    try (TowerModel m = TowerModel.load(dir)) {
      Tower user = m.user();
      int first = user.headDim(0), second = user.headDim(1);
      assertTrue(first != second, first + " and " + second);
      assertEquals(first + second, user.width());
      assertEquals(first, user.headOffset(1));
      IllegalStateException e = assertThrows(IllegalStateException.class, user::dim);
      assertTrue(e.getMessage().contains("like " + second + "-d]"), e.getMessage());
    }
  }

  @Test
  void structuralErrorsNameTheField() throws IOException {
    assertRefused(spoiled(r -> feature(r, 0).put("bukets", 3)), "unknown key 'bukets'",
        "towers.user.features[0]", "buckets");
    assertRefused(spoiled(r -> ((ObjectNode) user(r).path("layers").get(1)).put("norm", "x")),
        "unknown key 'norm' at towers.user.layers[1]");
    IOException e = assertThrows(IOException.class,
        () -> TowerModel.load(spoiled(r -> feature(r, 0).put("dim", "wide"))).close());
    assertTrue(e.getMessage().contains("towers.user.features[0].dim"), e.getMessage());
    assertFalse(e.getMessage().contains("java."), e.getMessage());
    assertRefused(spoiled(r -> r.put("version", 2)), "version 2");
    assertRefused(spoiled(r -> ((ObjectNode) r.path("towers")).remove("item")), "towers.item");
    assertRefused(spoiled(r -> user(r).putArray("heads")), "towers.user", "no heads");
    IOException missing = assertThrows(IOException.class, () -> TowerModel.load(
        spoiled(r -> ((ObjectNode) user(r).path("layers").get(0)).remove("units"))).close());
    assertTrue(missing.getMessage().endsWith("model.json: towers.user.layers[0].units is missing; expected a number"),
        missing.getMessage());
  }

  @Test
  void weightsOfAnotherDtypeAreRefused() throws IOException {
    Path dir = Fixtures.copy("basic", tmp);
    rewriteDtype(dir.resolve("model.safetensors"), "user.embeddings.age.weight", "F32", "I32");
    assertRefused(dir, "'user.embeddings.age.weight'", "I32");
  }

  @Test
  void truncatedWeightsAreRefused() throws IOException {
    Path dir = Fixtures.copy("basic", tmp);
    Path w = dir.resolve("model.safetensors");
    byte[] all = Files.readAllBytes(w);
    Files.write(w, java.util.Arrays.copyOf(all, all.length - 100));
    assertRefused(dir, "byte range");
    Files.write(w, new byte[] {1, 2, 3});
    assertRefused(dir, "too short");
    Files.write(w, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
    assertRefused(dir, "header length");
  }

  @Test
  void torchSaveFilesAreNamedForWhatTheyAre() throws IOException {
    Path dir = Fixtures.copy("basic", tmp);
    Path w = dir.resolve("model.safetensors");
    Files.write(w, new byte[] {'P', 'K', 3, 4, 0, 0, 8, 7, 1, 2, 3, 4, 5, 6, 7, 8});
    assertRefused(dir, "torch.save zip archive", "from-state-dict");
    Files.write(w, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 1, 2, 3, 4, 5, 6, 7, 8});
    assertRefused(dir, "torch.save pickle");
  }

  /** Relabels a tensor's dtype in the header, keeping the header's length. */
  private static void rewriteDtype(Path file, String tensor, String from, String to) throws IOException {
    byte[] all = Files.readAllBytes(file);
    int n = (int) ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    JsonNode header = JSON.readTree(new String(all, 8, n, StandardCharsets.UTF_8));
    ((ObjectNode) header.get(tensor)).put("dtype", to);
    byte[] h = JSON.writeValueAsBytes(header);
    assertTrue(h.length <= n && from.length() <= to.length() + 1);
    byte[] padded = new byte[n];
    java.util.Arrays.fill(padded, (byte) ' ');
    System.arraycopy(h, 0, padded, 0, h.length);
    System.arraycopy(padded, 0, all, 8, n);
    Files.write(file, all);
  }
}
