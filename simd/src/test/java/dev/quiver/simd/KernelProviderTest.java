package dev.quiver.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiver.simd.panama.PanamaKernelProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel of every provider against a double-precision reference, on random shapes that
 * exercise vector tails (dims 1..70 and around 128 and 768), unaligned segment offsets, row and
 * query counts that are not multiples of the vector or tile sizes, and arrays and segments sized
 * exactly, so that a kernel reading past its data fails with an out-of-bounds error.
 */
class KernelProviderTest {
  private static final int PANEL = VectorKernels.PANEL_ROWS;
  private static final double U = 0x1p-24; // unit roundoff of float
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
  private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
  private static final long[] OFFSETS = {0, 4, 12, 60, 64};
  private static final Arena ARENA = Arena.ofShared();

  static Stream<KernelProvider> providers() {
    return Stream.of(new ScalarKernelProvider(), new PanamaKernelProvider());
  }

  static int[] dims() {
    return IntStream.concat(IntStream.rangeClosed(1, 70), IntStream.of(127, 128, 129, 768, 771))
        .toArray();
  }

  @AfterAll
  static void closeArena() {
    ARENA.close();
  }

  @ParameterizedTest
  @MethodSource("providers")
  void dotAndSquareDistanceOfArrays(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(1);
    for (int dim : dims()) {
      int aOff = rnd.nextInt(5), bOff = rnd.nextInt(5);
      float[] a = randomFloats(rnd, aOff + dim), b = randomFloats(rnd, bOff + dim);
      String what = k.name() + " dim=" + dim + " aOff=" + aOff + " bOff=" + bOff;
      assertClose(refDot(a, aOff, b, bOff, dim), dotBound(a, aOff, b, bOff, dim),
          k.dot(a, aOff, b, bOff, dim), "dot " + what);
      assertClose(refL2(a, aOff, b, bOff, dim), l2Bound(a, aOff, b, bOff, dim),
          k.squareDistance(a, aOff, b, bOff, dim), "squareDistance " + what);
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void dotAndSquareDistanceOfSegments(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(2);
    for (int dim : dims()) {
      for (long offset : OFFSETS) {
        float[] q = randomFloats(rnd, dim), v = randomFloats(rnd, dim);
        MemorySegment seg = segmentOf(v, offset, Memory.of(dim));
        String what = k.name() + " dim=" + dim + " offset=" + offset;
        assertClose(refDot(q, 0, v, 0, dim), dotBound(q, 0, v, 0, dim),
            k.dot(q, seg, offset, dim), "dot " + what);
        assertClose(refL2(q, 0, v, 0, dim), l2Bound(q, 0, v, 0, dim),
            k.squareDistance(q, seg, offset, dim), "squareDistance " + what);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void cosine(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(3);
    for (int dim : dims()) {
      float[] a = randomFloats(rnd, dim), b = randomFloats(rnd, dim);
      double na = refDot(a, 0, a, 0, dim), nb = refDot(b, 0, b, 0, dim);
      double expected = refDot(a, 0, b, 0, dim) / Math.sqrt(na * nb);
      assertClose(expected, cosineBound(a, b, dim), k.cosine(a, b, dim), k.name() + " cosine dim=" + dim);
      assertEquals(0f, k.cosine(a, new float[dim], dim), k.name() + " zero vector dim=" + dim);
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void dotRowsAndSquareDistanceRows(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(4);
    for (int dim : dims()) {
      int rows = dim > 200 ? rnd.nextInt(40) : rnd.nextInt(100);
      long offset = OFFSETS[rnd.nextInt(OFFSETS.length)];
      int scoresOffset = rnd.nextInt(7);
      float[] q = randomFloats(rnd, dim), data = randomFloats(rnd, rows * dim);
      MemorySegment seg = segmentOf(data, offset, Memory.of(rows));
      float[] dots = filled(scoresOffset + rows + 3, Float.NaN);
      float[] l2s = filled(scoresOffset + rows + 3, Float.NaN);
      k.dotRows(q, seg, offset, rows, dim, dots, scoresOffset);
      k.squareDistanceRows(q, seg, offset, rows, dim, l2s, scoresOffset);
      for (int r = 0; r < rows; r++) {
        String what = k.name() + " dim=" + dim + " rows=" + rows + " offset=" + offset + " row=" + r;
        int o = r * dim;
        assertClose(refDot(q, 0, data, o, dim), dotBound(q, 0, data, o, dim),
            dots[scoresOffset + r], "dotRows " + what);
        assertClose(refL2(q, 0, data, o, dim), l2Bound(q, 0, data, o, dim),
            l2s[scoresOffset + r], "squareDistanceRows " + what);
      }
      assertUntouched(dots, scoresOffset, rows, k.name() + " dotRows dim=" + dim);
      assertUntouched(l2s, scoresOffset, rows, k.name() + " squareDistanceRows dim=" + dim);
    }
  }

  /**
   * Rows picked by ordinal, in any order and with repeats, from a segment sized exactly, so that
   * the first and last rows sit at its edges; counts 0..9 cover empty, partial and several
   * groups of four.
   */
  @ParameterizedTest
  @MethodSource("providers")
  void dotRowsAndSquareDistanceRowsByOrdinal(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(14);
    for (int dim : dims()) {
      for (int count = 0; count <= 9; count++) {
        int rows = 1 + rnd.nextInt(12);
        float[] q = randomFloats(rnd, dim), data = randomFloats(rnd, rows * dim);
        MemorySegment seg = segmentOf(data, 0, Memory.of(dim + count));
        int[] ordinals = new int[count + rnd.nextInt(3)];
        for (int i = 0; i < ordinals.length; i++) {
          ordinals[i] = i % 3 == 0 ? rows - 1 : rnd.nextInt(rows);
        }
        float[] dots = filled(count + 3, Float.NaN), l2s = filled(count + 3, Float.NaN);
        k.dotRows(q, seg, ordinals, count, dim, dots);
        k.squareDistanceRows(q, seg, ordinals, count, dim, l2s);
        for (int i = 0; i < count; i++) {
          String what = k.name() + " dim=" + dim + " count=" + count + " i=" + i;
          int o = ordinals[i] * dim;
          assertClose(refDot(q, 0, data, o, dim), dotBound(q, 0, data, o, dim), dots[i],
              "dotRows by ordinal " + what);
          assertClose(refL2(q, 0, data, o, dim), l2Bound(q, 0, data, o, dim), l2s[i],
              "squareDistanceRows by ordinal " + what);
        }
        assertUntouched(dots, 0, count, k.name() + " dotRows by ordinal dim=" + dim);
        assertUntouched(l2s, 0, count, k.name() + " squareDistanceRows by ordinal dim=" + dim);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void packPanelTransposesAndZeroFills(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(5);
    for (int dim : dims()) {
      int rows = 1 + rnd.nextInt(PANEL);
      long offset = OFFSETS[rnd.nextInt(OFFSETS.length)];
      float[] data = randomFloats(rnd, rows * dim);
      float[] panel = filled(dim * PANEL, Float.NaN);
      k.packPanel(segmentOf(data, offset, Memory.of(dim + 1)), offset, rows, dim, panel);
      for (int j = 0; j < dim; j++) {
        for (int r = 0; r < PANEL; r++) {
          float expected = r < rows ? data[r * dim + j] : 0f;
          assertEquals(expected, panel[j * PANEL + r],
              k.name() + " dim=" + dim + " rows=" + rows + " j=" + j + " r=" + r);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void dotPanelMatchesReference(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(6);
    for (int dim : dims()) {
      for (int queryCount = 1; queryCount <= 9; queryCount++) {
        int rows = rnd.nextBoolean() ? PANEL : 1 + rnd.nextInt(PANEL);
        int q0 = rnd.nextInt(3);
        float[] queries = randomFloats(rnd, (q0 + queryCount) * dim);
        float[] data = randomFloats(rnd, rows * dim);
        float[] panel = new float[dim * PANEL];
        k.packPanel(segmentOf(data, 4, Memory.of(dim + queryCount)), 4, rows, dim, panel);
        float[] scores = filled(queryCount * PANEL, Float.NaN);
        k.dotPanel(queries, q0, queryCount, dim, panel, scores);
        for (int i = 0; i < queryCount; i++) {
          int qo = (q0 + i) * dim;
          for (int r = 0; r < PANEL; r++) {
            String what = k.name() + " dim=" + dim + " queries=" + queryCount + " q=" + i
                + " row=" + r;
            float actual = scores[i * PANEL + r];
            if (r < rows) {
              assertClose(refDot(queries, qo, data, r * dim, dim),
                  dotBound(queries, qo, data, r * dim, dim), actual, what);
            } else {
              assertEquals(0f, actual, what + " (padding row)");
            }
          }
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void densePanelMatchesReference(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int dim : dims()) {
      int rowCount = 1 + rnd.nextInt(9);
      int cols = rnd.nextInt(4) == 0 ? PANEL : 1 + rnd.nextInt(PANEL);
      boolean relu = rnd.nextBoolean();
      int xOffset = rnd.nextInt(5), biasOffset = rnd.nextInt(70), yOffset = rnd.nextInt(5);
      int yStride = cols + rnd.nextInt(7);
      float[] x = randomFloats(rnd, xOffset + rowCount * dim);
      float[] w = randomFloats(rnd, cols * dim);
      float[] bias = randomFloats(rnd, biasOffset + cols);
      float[] panel = new float[dim * PANEL];
      k.packPanel(segmentOf(w, 4, Memory.of(dim)), 4, cols, dim, panel);
      float[] y = filled(yOffset + rowCount * yStride + 3, Float.NaN);
      k.densePanel(x, xOffset, rowCount, dim, panel, bias, biasOffset, cols, relu, y, yOffset, yStride);
      for (int i = 0; i < rowCount; i++) {
        int xo = xOffset + i * dim;
        for (int r = 0; r < yStride; r++) {
          String what = k.name() + " dim=" + dim + " rows=" + rowCount + " cols=" + cols + " i=" + i
              + " r=" + r + " relu=" + relu;
          float actual = y[yOffset + i * yStride + r];
          if (r >= cols) {
            assertTrue(Float.isNaN(actual), what + " (beyond cols: untouched)");
            continue;
          }
          double sum = refDot(x, xo, w, r * dim, dim) + bias[biasOffset + r];
          double tol = dotBound(x, xo, w, r * dim, dim) + Math.ulp(bias[biasOffset + r]);
          assertClose(relu ? Math.max(sum, 0) : sum, tol, actual, what);
        }
      }
      assertTrue(Float.isNaN(y[y.length - 1]), "past the last row: untouched");
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void loadRowCopiesOrAddsExactly(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(12);
    for (int length : dims()) {
      int srcOff = rnd.nextInt(3), dstOff = rnd.nextInt(5);
      float[] src = randomFloats(rnd, srcOff + length);
      long base = 4L * rnd.nextInt(3);
      MemorySegment seg = segmentOf(src, base, Memory.of(length));
      float[] before = randomFloats(rnd, dstOff + length + 2);
      float[] copied = before.clone(), added = before.clone();
      k.loadRow(seg, base + 4L * srcOff, length, copied, dstOff, false);
      k.loadRow(seg, base + 4L * srcOff, length, added, dstOff, true);
      for (int i = 0; i < before.length; i++) {
        boolean inside = i >= dstOff && i < dstOff + length;
        float v = inside ? src[srcOff + i - dstOff] : 0f;
        String what = k.name() + " length=" + length + " i=" + i;
        assertEquals(inside ? v : before[i], copied[i], what + " (copy)");
        assertEquals(inside ? before[i] + v : before[i], added[i], what + " (add)");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void dotInt8IsExact(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int dim : IntStream.concat(Arrays.stream(dims()), IntStream.of(1000, 4099)).toArray()) {
      int aOff = rnd.nextInt(9), bOff = rnd.nextInt(9);
      byte[] a = randomBytes(rnd, aOff + dim), b = randomBytes(rnd, bOff + dim);
      if (dim % 5 == 0) { // the extremes: -128 * -128 must not overflow an intermediate
        Arrays.fill(a, (byte) -128);
        Arrays.fill(b, (byte) -128);
      }
      int expected = 0;
      for (int i = 0; i < dim; i++) {
        expected += a[aOff + i] * b[bOff + i];
      }
      String what = k.name() + " dim=" + dim;
      assertEquals(expected, k.dotInt8(a, aOff, b, bOff, dim), "arrays " + what);
      long offset = OFFSETS[rnd.nextInt(OFFSETS.length)];
      byte[] q = Arrays.copyOfRange(a, aOff, aOff + dim);
      MemorySegment seg = exactSegment(offset + dim, Memory.of(dim).bytesOnly());
      MemorySegment.copy(b, bOff, seg, ValueLayout.JAVA_BYTE, offset, dim);
      assertEquals(expected, k.dotInt8(q, seg, offset, dim), "segment " + what + " offset=" + offset);
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void dotInt8RowsByOrdinalMatchesDouble(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(15);
    for (int dim : dims()) {
      for (int count = 0; count <= 9; count++) {
        int rows = 1 + rnd.nextInt(12);
        float[] w = randomFloats(rnd, dim);
        byte[] codes = randomBytes(rnd, rows * dim);
        if (dim % 7 == 0) { // the extremes of a signed byte
          Arrays.fill(codes, (byte) (count % 2 == 0 ? -128 : 127));
        }
        // Sized exactly: a kernel that reads past the last row fails.
        MemorySegment seg = exactSegment((long) rows * dim, Memory.of(dim + count).bytesOnly());
        MemorySegment.copy(codes, 0, seg, ValueLayout.JAVA_BYTE, 0, codes.length);
        int[] ordinals = new int[count + rnd.nextInt(3)];
        for (int i = 0; i < ordinals.length; i++) {
          ordinals[i] = i % 3 == 0 ? rows - 1 : rnd.nextInt(rows);
        }
        float[] scores = filled(count + 3, Float.NaN);
        k.dotInt8Rows(w, seg, ordinals, count, dim, scores);
        for (int i = 0; i < count; i++) {
          double ref = 0, abs = 0;
          for (int j = 0; j < dim; j++) {
            double p = (double) w[j] * codes[ordinals[i] * dim + j];
            ref += p;
            abs += Math.abs(p);
          }
          assertClose(ref, 2 * (dim + 2) * U * abs, scores[i],
              k.name() + " dotInt8Rows dim=" + dim + " count=" + count + " i=" + i);
        }
        assertUntouched(scores, 0, count, k.name() + " dotInt8Rows dim=" + dim);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void dotFloat16MatchesDoubleOfConvertedHalves(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(8);
    for (int dim : dims()) {
      long offset = OFFSETS[rnd.nextInt(OFFSETS.length)] / 2;
      float[] q = randomFloats(rnd, dim);
      short[] h = new short[dim];
      for (int i = 0; i < dim; i++) {
        // Mostly rounded floats, some raw finite bit patterns: subnormals and large magnitudes.
        h[i] = rnd.nextInt(4) == 0
            ? (short) (rnd.nextInt(0x7C00) | (rnd.nextBoolean() ? 0x8000 : 0))
            : Float.floatToFloat16((float) rnd.nextDouble(-4, 4));
      }
      MemorySegment seg = halfSegment(h, offset, Memory.of(dim).bytesOnly());
      double expected = 0, bound = 0;
      for (int i = 0; i < dim; i++) {
        double p = (double) q[i] * Float.float16ToFloat(h[i]);
        expected += p;
        bound += Math.abs(p);
      }
      assertClose(expected, 2 * (dim + 2) * U * bound, k.dotFloat16(q, seg, offset, dim),
          k.name() + " dim=" + dim + " offset=" + offset);
    }
  }

  /** Every one of the 65536 half-precision bit patterns, in every lane position. */
  @ParameterizedTest
  @MethodSource("providers")
  void dotFloat16ConvertsEveryHalfExactly(KernelProvider k) {
    int n = 32;
    float[] oneHot = new float[n];
    short[] h = new short[n];
    MemorySegment seg = exactSegment(2L * n, Memory.NATIVE);
    for (int bits = 0; bits < 1 << 16; bits++) {
      int pos = bits % n;
      oneHot[pos] = 1f;
      h[pos] = (short) bits;
      MemorySegment.copy(h, 0, seg, SHORT, 0, n);
      float expected = Float.float16ToFloat((short) bits);
      float actual = k.dotFloat16(oneHot, seg, 0, n);
      if (Float.isNaN(expected)) {
        assertTrue(Float.isNaN(actual), k.name() + " NaN half 0x" + Integer.toHexString(bits));
      } else {
        // Only the sign of a zero may differ: the other lanes add +0.
        assertEquals(expected, actual, 0f, k.name() + " half 0x" + Integer.toHexString(bits));
      }
      oneHot[pos] = 0f;
      h[pos] = 0;
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void firstAboveFindsTheFirstIndex(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(9);
    for (int len : IntStream.concat(IntStream.rangeClosed(0, 70), IntStream.of(127, 1024, 1031))
        .toArray()) {
      float[] v = randomFloats(rnd, len);
      int from = len == 0 ? 0 : rnd.nextInt(Math.min(len, 20));
      int to = len - (len - from == 0 ? 0 : rnd.nextInt(Math.min(len - from, 5) + 1));
      float[] thresholds = {-2f, 2f, 0.9f, 0.99f, Float.NEGATIVE_INFINITY};
      for (float t : thresholds) {
        assertEquals(refFirstAbove(v, from, to, t), k.firstAbove(v, from, to, t),
            k.name() + " len=" + len + " [" + from + "," + to + ") t=" + t);
      }
      // A single hit at each edge and in the middle of an otherwise low array.
      float[] low = filled(len, -1f);
      for (int pos : new int[] {from, to - 1, (from + to) / 2}) {
        if (pos >= from && pos < to) {
          low[pos] = 5f;
          assertEquals(pos, k.firstAbove(low, from, to, 0f), k.name() + " len=" + len + " hit=" + pos);
          assertEquals(to, k.firstAbove(low, from, to, 5f), k.name() + " strictly above");
          low[pos] = -1f;
        }
      }
      assertEquals(to, k.firstAbove(low, from, to, 0f), k.name() + " none len=" + len);
    }
  }

  /**
   * The shapes above run mostly before the JIT compiles the kernels. This repeats a few shapes
   * (short and long rows, whole and partial chunks, every dotPanel tail) until the optimised
   * code runs, checking every result against references computed once, so that the compiled
   * vector code is what gets tested.
   */
  @ParameterizedTest
  @MethodSource("providers")
  void kernelsStayCorrectOnceCompiled(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(10);
    Shape[] shapes = {
        new Shape(rnd, 5), new Shape(rnd, 16), new Shape(rnd, 60), new Shape(rnd, 64),
        new Shape(rnd, 100), new Shape(rnd, 128)};
    float[] scores = new float[Shape.ROWS];
    float[] tile = new float[Shape.QUERIES * PANEL];
    for (int it = 0; it < 30_000; it++) {
      Shape sh = shapes[it % shapes.length];
      int dim = sh.dim, iteration = it;
      // Messages are built only on failure: this loop must stay cheap.
      Function<String, Supplier<String>> what =
          kernel -> () -> k.name() + " " + kernel + " iteration " + iteration + " dim=" + dim;
      k.dotRows(sh.queries, sh.segment, 12, Shape.ROWS, dim, scores, 0);
      sh.assertRows(sh.dots, scores, what.apply("dotRows"));
      k.squareDistanceRows(sh.queries, sh.segment, 12, Shape.ROWS, dim, scores, 0);
      sh.assertRows(sh.l2s, scores, what.apply("squareDistanceRows"));
      // Row 0 of the data doubles as the second vector of the single-pair kernels.
      assertClose(sh.dots[0][0], sh.dots[1][0], k.dot(sh.queries, 0, sh.data, 0, dim), what.apply("dot"));
      assertClose(sh.dots[0][0], sh.dots[1][0], k.dot(sh.queries, sh.segment, 12, dim), what.apply("dot"));
      assertClose(sh.l2s[0][0], sh.l2s[1][0], k.squareDistance(sh.queries, 0, sh.data, 0, dim),
          what.apply("squareDistance"));
      assertClose(sh.l2s[0][0], sh.l2s[1][0], k.squareDistance(sh.queries, sh.segment, 12, dim),
          what.apply("squareDistance"));
      assertClose(sh.cosine, sh.cosineBound, k.cosine(sh.queries, sh.data, dim), what.apply("cosine"));
      assertEquals(sh.int8Dot, k.dotInt8(sh.bytes, 0, sh.bytes, dim, dim), what.apply("dotInt8"));
      k.dotInt8Rows(sh.queries, sh.codes, sh.ordinals, Shape.ROWS, dim, scores);
      sh.assertRows(sh.codeDots, scores, what.apply("dotInt8Rows"));

      assertClose(sh.halfDot, sh.halfBound, k.dotFloat16(sh.queries, sh.halves, 0, dim),
          what.apply("dotFloat16"));
      int count = 1 + it % Shape.QUERIES;
      k.packPanel(sh.segment, 12, Shape.ROWS, dim, sh.panel);
      k.dotPanel(sh.queries, 0, count, dim, sh.panel, tile);
      for (int i = 0; i < count; i++) {
        for (int r = 0; r < Shape.ROWS; r++) {
          assertClose(sh.panelDots[i][r], sh.panelBounds[i][r], tile[i * PANEL + r],
              what.apply("dotPanel"));
        }
      }
    }
  }

  /** Inputs and references of one shape of kernelsStayCorrectOnceCompiled. */
  private static final class Shape {
    static final int ROWS = 21;
    static final int QUERIES = 7;
    final int dim;
    final float[] queries;
    final float[] data;
    final MemorySegment segment;
    final float[] panel;
    final byte[] bytes;
    final MemorySegment halves;
    final double[][] dots = new double[2][ROWS];
    final double[][] l2s = new double[2][ROWS];
    final double[][] codeDots = new double[2][ROWS];
    final MemorySegment codes;
    final int[] ordinals = new int[ROWS];
    final double[][] panelDots = new double[QUERIES][ROWS];
    final double[][] panelBounds = new double[QUERIES][ROWS];
    final double cosine;
    final double cosineBound;
    final int int8Dot;
    final double halfDot;
    final double halfBound;

    Shape(SplittableRandom rnd, int dim) {
      this.dim = dim;
      queries = randomFloats(rnd, QUERIES * dim);
      data = randomFloats(rnd, ROWS * dim);
      segment = segmentOf(data, 12, Memory.of(dim));
      panel = new float[dim * PANEL];
      bytes = randomBytes(rnd, 2 * dim);
      byte[] codeBytes = randomBytes(rnd, ROWS * dim);
      codes = ARENA.allocate((long) ROWS * dim, 1);
      MemorySegment.copy(codeBytes, 0, codes, ValueLayout.JAVA_BYTE, 0, codeBytes.length);
      for (int r = 0; r < ROWS; r++) {
        ordinals[r] = (r * 5 + 3) % ROWS;
        double ref = 0, abs = 0;
        for (int j = 0; j < dim; j++) {
          double p = (double) queries[j] * codeBytes[ordinals[r] * dim + j];
          ref += p;
          abs += Math.abs(p);
        }
        codeDots[0][r] = ref;
        codeDots[1][r] = 2 * (dim + 2) * U * abs;
      }
      for (int r = 0; r < ROWS; r++) {
        dots[0][r] = refDot(queries, 0, data, r * dim, dim);
        dots[1][r] = dotBound(queries, 0, data, r * dim, dim);
        l2s[0][r] = refL2(queries, 0, data, r * dim, dim);
        l2s[1][r] = l2Bound(queries, 0, data, r * dim, dim);
        for (int i = 0; i < QUERIES; i++) {
          panelDots[i][r] = refDot(queries, i * dim, data, r * dim, dim);
          panelBounds[i][r] = dotBound(queries, i * dim, data, r * dim, dim);
        }
      }
      short[] h = new short[dim];
      double hd = 0, hb = 0;
      int id = 0;
      for (int i = 0; i < dim; i++) {
        h[i] = Float.floatToFloat16(data[i]);
        double p = (double) queries[i] * Float.float16ToFloat(h[i]);
        hd += p;
        hb += Math.abs(p);
        id += bytes[i] * bytes[dim + i];
      }
      halves = halfSegment(h, 0, Memory.NATIVE);
      cosine = dots[0][0]
          / Math.sqrt(refDot(queries, 0, queries, 0, dim) * refDot(data, 0, data, 0, dim));
      cosineBound = KernelProviderTest.cosineBound(queries, data, dim);
      int8Dot = id;
      halfDot = hd;
      halfBound = 2 * (dim + 2) * U * hb;
    }

    void assertRows(double[][] expected, float[] actual, Supplier<String> what) {
      for (int r = 0; r < ROWS; r++) {
        assertClose(expected[0][r], expected[1][r], actual[r], what);
      }
    }
  }

  // ---------------------------------------------------------------- references and fixtures

  private static double refDot(float[] a, int aOff, float[] b, int bOff, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += (double) a[aOff + i] * b[bOff + i];
    }
    return s;
  }

  private static double sumAbsProducts(float[] a, int aOff, float[] b, int bOff, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += Math.abs((double) a[aOff + i] * b[bOff + i]);
    }
    return s;
  }

  /** Float error bound of a dot product in any summation order: about n u sum |a_i b_i|. */
  private static double dotBound(float[] a, int aOff, float[] b, int bOff, int n) {
    return 2 * (n + 2) * U * sumAbsProducts(a, aOff, b, bOff, n);
  }

  /** The dot's error over |a| |b|, plus the norms' relative errors (each about n u). */
  private static double cosineBound(float[] a, float[] b, int n) {
    double norms = Math.sqrt(refDot(a, 0, a, 0, n) * refDot(b, 0, b, 0, n));
    return 4 * (n + 4) * U * (sumAbsProducts(a, 0, b, 0, n) / norms + 1);
  }

  private static double refL2(float[] a, int aOff, float[] b, int bOff, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      double d = (double) a[aOff + i] - b[bOff + i];
      s += d * d;
    }
    return s;
  }

  /** The difference of two floats is itself rounded, hence a few more units than a dot. */
  private static double l2Bound(float[] a, int aOff, float[] b, int bOff, int n) {
    return 2 * (n + 4) * U * refL2(a, aOff, b, bOff, n);
  }

  private static int refFirstAbove(float[] v, int from, int to, float t) {
    for (int i = from; i < to; i++) {
      if (v[i] > t) {
        return i;
      }
    }
    return to;
  }

  private static void assertClose(double expected, double tol, float actual, String what) {
    assertClose(expected, tol, actual, () -> what);
  }

  private static void assertClose(double expected, double tol, float actual, Supplier<String> what) {
    double err = Math.abs(actual - expected);
    if (!(err <= tol + Float.MIN_NORMAL)) {
      fail(what.get() + ": expected " + expected + " got " + actual + " (error " + err + " > " + tol + ")");
    }
  }

  private static void assertUntouched(float[] scores, int from, int rows, String what) {
    for (int i = 0; i < scores.length; i++) {
      if (i < from || i >= from + rows) {
        assertTrue(Float.isNaN(scores[i]), what + ": wrote outside its range at " + i);
      }
    }
  }

  private static float[] randomFloats(SplittableRandom rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rnd.nextDouble(-1, 1);
    }
    return v;
  }

  private static byte[] randomBytes(SplittableRandom rnd, int n) {
    byte[] v = new byte[n];
    rnd.nextBytes(v);
    return v;
  }

  private static float[] filled(int n, float value) {
    float[] v = new float[n];
    Arrays.fill(v, value);
    return v;
  }

  /** Where a test segment lives: every kernel must accept all three kinds. */
  private enum Memory {
    NATIVE, BYTE_ARRAY, FLOAT_ARRAY;

    static Memory of(int selector) {
      return values()[selector % 3];
    }

    /** A float[] cannot back a segment whose size is not a multiple of 4 bytes. */
    Memory bytesOnly() {
      return this == FLOAT_ARRAY ? BYTE_ARRAY : this;
    }
  }

  /** A segment of exactly the bytes needed, so that a read past the end fails. */
  private static MemorySegment exactSegment(long bytes, Memory memory) {
    return switch (memory) {
      case NATIVE -> ARENA.allocate(bytes, 1);
      case BYTE_ARRAY -> MemorySegment.ofArray(new byte[(int) bytes]);
      case FLOAT_ARRAY -> MemorySegment.ofArray(new float[(int) (bytes / Float.BYTES)]);
    };
  }

  private static MemorySegment segmentOf(float[] values, long offset, Memory memory) {
    MemorySegment seg = exactSegment(offset + 4L * values.length, memory);
    MemorySegment.copy(values, 0, seg, FLOAT, offset, values.length);
    return seg;
  }

  private static MemorySegment halfSegment(short[] values, long offset, Memory memory) {
    MemorySegment seg = exactSegment(offset + 2L * values.length, memory);
    MemorySegment.copy(values, 0, seg, SHORT, offset, values.length);
    return seg;
  }
}
