package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureRowsTest {
  private static TowerModel model;
  private static Tower user;

  @TempDir Path tmp;

  @BeforeAll
  static void load() throws IOException {
    model = TowerModel.load(Fixtures.dir("rich"));
    user = model.user();
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private float[] embed(FeatureRow row) {
    float[] out = new float[user.heads() * user.dim()];
    user.embed(row, out);
    return out;
  }

  private FeatureRow parse(String line) throws IOException {
    Path f = Files.writeString(Files.createTempFile(tmp, "rows", ".jsonl"), line + "\n");
    List<FeatureRow> rows = FeatureRows.readJsonl(f, user);
    assertEquals(1, rows.size());
    return rows.get(0);
  }

  @Test
  void settingByNameOrIndexOrJsonGivesTheSameVector() throws IOException {
    FeatureRow byName = user.newRow().setId("user_id", 42).addId("clicks", "a").addId("clicks", 7)
        .setNumeric("age", 31.5).setCategorical("country", "fr");
    FeatureRow byIndex = user.newRow();
    byIndex.setId(user.featureIndex("user_id"), "42");
    byIndex.addId(user.featureIndex("clicks"), "a").addId(user.featureIndex("clicks"), "7");
    byIndex.setNumeric(user.featureIndex("age"), 31.5).setCategorical(user.featureIndex("country"), "fr");
    FeatureRow json = parse("{\"user_id\": 42, \"clicks\": [\"a\", 7], \"age\": 31.5, \"country\": \"fr\"}");
    assertArrayEquals(embed(byName), embed(byIndex));
    assertArrayEquals(embed(byName), embed(json));
  }

  @Test
  void multiValuedIdsKeepEveryValueInOrderAcrossReuse() {
    int clicks = user.featureIndex("clicks"), tags = user.featureIndex("tags");
    FeatureRow row = user.newRow();
    for (int n = 1; n <= 7; n++) {
      row.clear().setId("user_id", "u" + n);
      for (int k = 0; k < n; k++) {
        if (k % 3 == 1) {
          row.addId(clicks, "s" + k);
        } else {
          row.addId(clicks, 100L * k + n);
        }
        row.addId(tags, -k);
      }
      assertEquals(n, row.valueCount(clicks));
      assertEquals(n, row.valueCount(tags));
      for (int k = 0; k < n; k++) {
        assertEquals(k % 3 == 1, row.isString(clicks, k), "n=" + n + " k=" + k);
        if (k % 3 == 1) {
          assertEquals("s" + k, row.stringAt(clicks, k));
        } else {
          assertEquals(100L * k + n, row.longAt(clicks, k));
        }
        assertTrue(!row.isString(tags, k));
        assertEquals(-k, row.longAt(tags, k));
      }
      // Sum and mean pooling do not depend on the order of the values.
      FeatureRow reversed = user.newRow().setId("user_id", "u" + n);
      for (int k = n - 1; k >= 0; k--) {
        if (row.isString(clicks, k)) {
          reversed.addId(clicks, row.stringAt(clicks, k));
        } else {
          reversed.addId(clicks, row.longAt(clicks, k));
        }
        reversed.addId(tags, row.longAt(tags, k));
      }
      float[] want = embed(row), got = embed(reversed);
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], got[i], 1e-6f, "n=" + n + " i=" + i);
      }
      assertArrayEquals(want, embed(row.copyTo(user.newRow())));
    }
  }

  @Test
  void absentNullEmptyAndClearedAreAllMissing() throws IOException {
    float[] absent = embed(user.newRow());
    assertArrayEquals(absent, embed(parse("{\"user_id\": null, \"clicks\": [], \"age\": null}")));
    FeatureRow reused = user.newRow().setId("user_id", 1).addId("tags", 5).setNumeric("age", 3);
    assertArrayEquals(absent, embed(reused.clear()));
    assertArrayEquals(absent, embed(user.newRow().setNumeric("age", Double.NaN)));
  }

  @Test
  void unknownCategoriesShareTheOutOfVocabularyRow() {
    assertArrayEquals(embed(user.newRow().setCategorical("country", "nowhere")),
        embed(user.newRow().setCategorical("country", "zz")));
    assertTrue(!java.util.Arrays.equals(embed(user.newRow().setCategorical("country", "fr")),
        embed(user.newRow().setCategorical("country", "zz"))));
  }

  @Test
  void misuseIsRefusedWithTheFeatureName() {
    FeatureRow row = user.newRow();
    assertMessage(assertThrows(IllegalArgumentException.class, () -> row.setNumeric("country", 1)),
        "'country'", "categorical");
    assertMessage(assertThrows(IllegalArgumentException.class, () -> row.setId("user_id", 1).addId("user_id", 2)),
        "'user_id'", "single-valued");
    assertMessage(assertThrows(IllegalArgumentException.class, () -> row.setId("nope", 1)), "'nope'");
    FeatureRow item = model.item().newRow();
    assertMessage(assertThrows(IllegalArgumentException.class, () -> user.embed(item, new float[48])),
        "'item'", "'user'");
    assertMessage(assertThrows(IllegalArgumentException.class, () -> user.embed(row, new float[3])),
        "out holds 3");
  }

  @Test
  void badLinesNameFileLineAndKey() throws IOException {
    Path f = Files.writeString(tmp.resolve("bad.jsonl"), "{\"age\": 3}\n\n{\"agee\": 3}\n");
    IOException e = assertThrows(IOException.class, () -> FeatureRows.readJsonl(f, user));
    assertMessage(e, "bad.jsonl:3", "'agee'");
    assertMessage(assertThrows(IOException.class, () -> parse("{\"age\": \"old\"}")),
        "has \"old\" for numeric feature 'age'; expected a number");
    assertMessage(assertThrows(IOException.class, () -> parse("{\"age\": [3]}")), "has a list for numeric feature 'age'");
    assertMessage(assertThrows(IOException.class, () -> parse("{\"age\": 1e300}")),
        "has 1e300 for numeric feature 'age'; expected a number within float range");
    assertMessage(assertThrows(IOException.class, () -> parse("{\"country\": 3}")), "'country'", "string");
    assertMessage(assertThrows(IOException.class, () -> parse("{\"user_id\": 1.5}")), "'user_id'");
    assertMessage(assertThrows(IOException.class, () -> parse("{\"user_id\": [1, 2]}")), "single-valued");
    assertMessage(assertThrows(IOException.class, () -> parse("[1]")), "JSON object");
    assertMessage(assertThrows(IOException.class, () -> parse("{\"age\": ")), "not valid JSON");
  }

  @Test
  void embeddingAllocatesNothingOnceWarm() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    FeatureRow row = user.newRow();
    int uid = user.featureIndex("user_id"), clicks = user.featureIndex("clicks");
    int age = user.featureIndex("age"), country = user.featureIndex("country");
    float[] out = new float[user.heads() * user.dim()];
    FeatureRow[] batch = {row, row, row};
    float[] outs = new float[3 * out.length];
    // Until C2 compiles the kernels, the Vector API boxes vectors; compiled, nothing is allocated.
    long allocated = Long.MAX_VALUE;
    for (int round = 0; round < 30 && allocated >= 2_000; round++) {
      long before = mx.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 2_000; i++) {
        row.clear().setId(uid, i).addId(clicks, i * 7L).addId(clicks, "c" ).setNumeric(age, i % 90)
            .setCategorical(country, (i & 1) == 0 ? "fr" : "zz");
        user.embed(row, out);
        user.embedBatch(batch, 3, outs);
      }
      allocated = mx.getCurrentThreadAllocatedBytes() - before;
    }
    assertTrue(allocated < 2_000, "2000 requests allocated " + allocated + " bytes");
  }

  private static void assertMessage(Exception e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' lacks '" + p + "'");
    }
  }
}
