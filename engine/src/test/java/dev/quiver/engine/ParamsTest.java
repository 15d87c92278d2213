package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ParamsTest {

  @Test
  void parsesAndPrintsInKeyOrder() {
    Params p = Params.parse(" efConstruction=200 , M=16");
    assertEquals(16, p.intValue("M", 0));
    assertEquals(7, p.intValue("efSearch", 7));
    assertEquals("M=16,efConstruction=200", p.toString());
    assertEquals(p, Params.parse(p.toString()));
    assertSame(Params.DEFAULT, Params.parse("  "));
  }

  @Test
  void withReplacesOneValueAndLeavesTheOriginal() {
    Params p = Params.parse("M=16,efConstruction=200");
    Params q = p.with("M", "32").with("learn", "/tmp/q.fvecs");
    assertEquals("M=32,efConstruction=200,learn=/tmp/q.fvecs", q.toString());
    assertEquals("M=16,efConstruction=200", p.toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.with("learn", "/a,b"));
    assertTrue(e.getMessage().contains("learn=/a,b"), e.getMessage());
  }

  @Test
  void badInputNamesTheValue() {
    assertEquals("parameter 'M' is not key=value",
        assertThrows(IllegalArgumentException.class, () -> Params.parse("M")).getMessage());
    assertEquals("parameter M=sixteen is not an integer",
        assertThrows(IllegalArgumentException.class, () -> Params.parse("M=sixteen").intValue("M", 0)).getMessage());
  }
}
