package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The packed heap against sorting, including negative scores, zeros and ties. */
class NodeHeapTest {

  @Test
  void codesKeepTheOrderOfScoresThenSmallerNodes() {
    float[] scores = {-3.5f, -0f, 0f, 1e-30f, 2f, 2f, Float.MAX_VALUE, -Float.MAX_VALUE};
    for (float s : scores) {
      assertEquals(s, NodeHeap.score(NodeHeap.encode(7, s)));
      assertEquals(7, NodeHeap.node(NodeHeap.encode(7, s)));
    }
    assertTrue(NodeHeap.encode(1, 2f) > NodeHeap.encode(2, 2f), "equal scores: the smaller node ranks higher");
    assertTrue(NodeHeap.encode(1, -1f) < NodeHeap.encode(1, 1f));
  }

  @Test
  void boundedWorstFirstKeepsTheBestAndBestFirstPopsInOrder() {
    Random rnd = new Random(1);
    for (int round = 0; round < 50; round++) {
      int n = 1 + rnd.nextInt(300);
      int bound = 1 + rnd.nextInt(40);
      float[] score = new float[n];
      NodeHeap results = NodeHeap.worstFirst();
      NodeHeap queue = NodeHeap.bestFirst();
      for (int i = 0; i < n; i++) {
        score[i] = rnd.nextInt(50) - 25 + (rnd.nextBoolean() ? 0.5f : 0f);
        queue.push(i, score[i]);
        if (results.size() < bound || NodeHeap.encode(i, score[i]) > results.codeAt(0)) {
          results.pushBounded(i, score[i], bound);
        }
      }
      Integer[] order = new Integer[n];
      Arrays.setAll(order, i -> i);
      Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -score[i]).thenComparingInt(i -> i));
      for (int i = 0; i < n; i++) {
        long code = queue.pop();
        assertEquals((int) order[i], NodeHeap.node(code), "pop " + i);
      }
      int[] nodes = new int[bound];
      float[] scores = new float[bound];
      int kept = results.drainBestFirst(nodes, scores);
      assertEquals(Math.min(n, bound), kept);
      for (int i = 0; i < kept; i++) {
        assertEquals((int) order[i], nodes[i]);
        assertEquals(score[order[i]], scores[i]);
      }
    }
  }
}
