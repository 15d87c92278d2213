package dev.quiver.serving.recall;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quiver.engine.SearchResults;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeadMergerTest {
  private final HeadMerger merger = new HeadMerger();

  private static SearchResults list(long[] ids, float[] scores) {
    SearchResults r = new SearchResults(ids.length);
    r.reset(ids.length);
    for (int i = 0; i < ids.length; i++) {
      r.add(ids[i], scores[i]);
    }
    return r;
  }

  private static long[] heads(RecallResults out) {
    long[] h = new long[out.count()];
    for (int i = 0; i < h.length; i++) {
      h[i] = out.head(i);
    }
    return h;
  }

  @Test
  void snakeTakesTurnsAndSkipsDuplicates() {
    SearchResults click = list(new long[] {1, 2, 3, 4}, new float[] {.9f, .8f, .7f, .6f});
    SearchResults like = list(new long[] {2, 5, 1, 6}, new float[] {.5f, .4f, .3f, .2f});
    RecallResults out = new RecallResults(8);
    merger.merge(MergeMode.SNAKE, new SearchResults[] {click, like}, 2, null, null, 6, out);
    // click 1, like 2, click 3 (2 taken), like 5, click 4, like 6 (1 taken)
    assertArrayEquals(new long[] {1, 2, 3, 5, 4, 6}, out.ids());
    assertArrayEquals(new long[] {0, 1, 0, 1, 0, 1}, heads(out));
    assertEquals(.5f, out.score(1));
  }

  @Test
  void snakeRespectsQuotasAndFillsFromOtherHeads() {
    SearchResults a = list(new long[] {1, 2, 3, 4}, new float[] {4, 3, 2, 1});
    SearchResults b = list(new long[] {5, 6, 7, 8}, new float[] {4, 3, 2, 1});
    RecallResults out = new RecallResults(8);
    merger.merge(MergeMode.SNAKE, new SearchResults[] {a, b}, 2, null, new int[] {1, 10}, 4, out);
    assertArrayEquals(new long[] {1, 5, 6, 7}, out.ids());
  }

  @Test
  void snakeStopsWhenListsRunOut() {
    SearchResults a = list(new long[] {1, 2}, new float[] {2, 1});
    SearchResults b = list(new long[] {2, 1}, new float[] {2, 1});
    RecallResults out = new RecallResults(8);
    merger.merge(MergeMode.SNAKE, new SearchResults[] {a, b}, 2, null, null, 8, out);
    assertArrayEquals(new long[] {1, 2}, out.ids());
  }

  @Test
  void truncateRanksByWeightedScoreKeepingBestHead() {
    SearchResults click = list(new long[] {1, 2, 3}, new float[] {.9f, .5f, .1f});
    SearchResults like = list(new long[] {2, 4, 5}, new float[] {.8f, .6f, .05f});
    RecallResults out = new RecallResults(8);
    merger.merge(MergeMode.TRUNCATE, new SearchResults[] {click, like}, 2,
        new float[] {1f, 0.5f}, null, 4, out);
    // weighted: 1:.9(c) 2:max(.5c,.4l)=.5(c) 4:.3(l) 3:.1(c) 5:.025(l)
    assertArrayEquals(new long[] {1, 2, 4, 3}, out.ids());
    assertArrayEquals(new long[] {0, 0, 1, 0}, heads(out));
    assertEquals(.6f, out.score(2), "scores are reported unweighted");
  }

  @Test
  void truncateRespectsQuotas() {
    SearchResults a = list(new long[] {1, 2, 3}, new float[] {9, 8, 7});
    SearchResults b = list(new long[] {4, 5, 6}, new float[] {3, 2, 1});
    RecallResults out = new RecallResults(8);
    merger.merge(MergeMode.TRUNCATE, new SearchResults[] {a, b}, 2, null, new int[] {2, 3}, 4, out);
    assertArrayEquals(new long[] {1, 2, 4, 5}, out.ids());
  }

  @Test
  void truncateMatchesAReferenceOnRandomLists() {
    Random rnd = new Random(7);
    RecallResults out = new RecallResults(4);
    for (int trial = 0; trial < 200; trial++) {
      int heads = 1 + rnd.nextInt(4);
      SearchResults[] lists = new SearchResults[heads];
      float[] weights = new float[heads];
      Map<Long, float[]> best = new HashMap<>(); // id -> {weighted, head}
      for (int h = 0; h < heads; h++) {
        weights[h] = 0.25f + rnd.nextFloat();
        int n = rnd.nextInt(30);
        long[] ids = new long[n];
        float[] scores = new float[n];
        float s = 1f;
        for (int i = 0; i < n; i++) {
          ids[i] = rnd.nextInt(50);
          s -= rnd.nextFloat() * 0.05f;
          scores[i] = s;
        }
        lists[h] = list(ids, scores);
        for (int i = 0; i < n; i++) {
          float w = scores[i] * weights[h];
          float[] cur = best.get(ids[i]);
          if (cur == null || w > cur[0]) {
            best.put(ids[i], new float[] {w, h});
          }
        }
      }
      int k = 1 + rnd.nextInt(40);
      merger.merge(MergeMode.TRUNCATE, lists, heads, weights, null, k, out);
      List<Map.Entry<Long, float[]>> expected = new ArrayList<>(best.entrySet());
      expected.sort(Comparator.comparingDouble(e -> -e.getValue()[0]));
      assertEquals(Math.min(k, expected.size()), out.count());
      Set<Long> seen = new HashSet<>();
      for (int i = 0; i < out.count(); i++) {
        assertEquals(expected.get(i).getValue()[0],
            out.score(i) * weights[out.head(i)], 1e-6f, "rank " + i);
        assertEquals(true, seen.add(out.id(i)), "duplicate id " + out.id(i));
      }
    }
  }

  @Test
  void badArgumentsAreNamed() {
    SearchResults a = list(new long[] {1}, new float[] {1});
    SearchResults[] lists = {a};
    RecallResults out = new RecallResults(1);
    assertThrows(IllegalArgumentException.class,
        () -> merger.merge(MergeMode.SNAKE, lists, 1, null, null, 0, out));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> merger.merge(MergeMode.TRUNCATE, lists, 1, new float[] {Float.NaN}, null, 1, out));
    assertEquals(true, e.getMessage().contains("NaN"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> merger.merge(MergeMode.SNAKE, lists, 2, null, null, 1, out));
  }
}
