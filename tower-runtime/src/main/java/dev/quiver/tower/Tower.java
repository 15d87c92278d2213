package dev.quiver.tower;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One tower of a two-tower model: features, an optional SENet block, shared dense layers and one
 * or more heads, head h giving a vector of {@link #headDim(int) headDim(h)} floats (heads may
 * differ in dimension; a row's head vectors lie side by side, {@link #width()} floats in all).
 *
 * <p>Thread-safe: any number of threads may embed at once. Each thread gets its own scratch on
 * first use, after which embedding allocates nothing. Valid until its {@link TowerModel} is
 * closed (or, for a model loaded into a caller's arena, until that arena is closed); what another
 * backend keeps for it (device copies of its weights) is freed through {@link #onClose}.
 */
public final class Tower {
  /** Rows computed together: the batch kernel's working set stays in L2 at this size. */
  static final int CHUNK = 256;

  private final String name;
  private final List<Feature> features;
  private final Feature[] featureArray;
  private final Map<String, Integer> index = new HashMap<>();
  private final Senet senet;
  private final List<DenseLayer> layers;
  private final List<Head> heads;
  private final List<String> headNames;
  private final int[] offsets;
  private final int[] dims;
  private final int inputWidth;
  private final int[] headDims;
  private final int[] headOffsets;
  private final int width;
  private final int maxWidth;
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
  private final List<Runnable> closeHooks = new ArrayList<>(); // guarded by itself
  private boolean closed; // guarded by closeHooks

  Tower(String name, List<Feature> features, Senet senet, List<DenseLayer> layers, List<Head> heads) {
    this.name = name;
    this.features = List.copyOf(features);
    this.featureArray = features.toArray(Feature[]::new);
    this.senet = senet;
    this.layers = List.copyOf(layers);
    this.heads = List.copyOf(heads);
    this.headNames = heads.stream().map(Head::name).toList();
    offsets = new int[features.size()];
    dims = new int[features.size()];
    int w = 0;
    for (int f = 0; f < features.size(); f++) {
      index.put(features.get(f).name(), f);
      offsets[f] = w;
      dims[f] = features.get(f).dim();
      w += features.get(f).width();
    }
    inputWidth = w;
    int max = w, last = w;
    for (DenseLayer l : layers) {
      max = Math.max(max, l.out());
      last = l.out();
    }
    for (Head h : heads) {
      for (DenseLayer l : h.layers()) {
        max = Math.max(max, l.out());
      }
    }
    maxWidth = max;
    headDims = new int[heads.size()];
    headOffsets = new int[heads.size()];
    int o = 0;
    for (int h = 0; h < heads.size(); h++) {
      List<DenseLayer> hl = heads.get(h).layers();
      headDims[h] = hl.isEmpty() ? last : hl.get(hl.size() - 1).out();
      headOffsets[h] = o;
      o += headDims[h];
    }
    width = o;
  }

  /** The tower's name in the config: user or item. */
  public String name() {
    return name;
  }

  public int heads() {
    return heads.size();
  }

  /**
   * Floats per head's output, when every head gives the same number.
   *
   * @throws IllegalStateException naming the heads' dimensions when they differ (use
   *     {@link #headDim(int)})
   */
  public int dim() {
    for (int d : headDims) {
      if (d != headDims[0]) {
        throw new IllegalStateException("tower '" + name + "' has heads of different dimensions "
            + describeHeads() + "; ask each head's with headDim(h)");
      }
    }
    return headDims[0];
  }

  /** Floats of head {@code h}'s output. */
  public int headDim(int h) {
    return headDims[h];
  }

  /** Where head {@code h}'s vector starts within a row's output. */
  public int headOffset(int h) {
    return headOffsets[h];
  }

  /** Floats of one row's output: every head's vector, side by side in head order. */
  public int width() {
    return width;
  }

  /** The heads with their dimensions, e.g. {@code [click 64-d, like 32-d]}, for messages. */
  public String describeHeads() {
    StringBuilder b = new StringBuilder("[");
    for (int h = 0; h < heads.size(); h++) {
      b.append(h == 0 ? "" : ", ").append(headNames.get(h)).append(' ').append(headDims[h]).append("-d");
    }
    return b.append(']').toString();
  }

  public List<String> headNames() {
    return headNames;
  }

  /** The features, in input order. */
  public List<Feature> features() {
    return features;
  }

  /** The SENet block, or null. */
  public Senet senet() {
    return senet;
  }

  /** The shared dense layers, first to last. */
  public List<DenseLayer> layers() {
    return layers;
  }

  /** The output heads. */
  public List<Head> headList() {
    return heads;
  }

  /** Floats of the concatenated feature embeddings that SENet and the first layer read. */
  public int inputWidth() {
    return inputWidth;
  }

  /** Where feature {@code f}'s part of the input starts. */
  public int inputOffset(int f) {
    return offsets[f];
  }

  /**
   * The index of the feature called {@code name}, for allocation-free setting.
   *
   * @throws IllegalArgumentException naming the feature when the tower has none of that name
   */
  public int featureIndex(String name) {
    Integer f = index.get(name);
    if (f == null) {
      throw new IllegalArgumentException("Tower '" + this.name + "' has no feature '" + name
          + "'; it has " + index.keySet());
    }
    return f;
  }

  /** The index of the feature called {@code name}, or -1. */
  public int findFeature(String name) {
    Integer f = index.get(name);
    return f == null ? -1 : f;
  }

  /** A new empty row for this tower. */
  public FeatureRow newRow() {
    return new FeatureRow(this);
  }

  /**
   * Writes the concatenated feature embeddings of {@code row} ({@link #inputWidth()} floats,
   * before SENet) at {@code x[offset]}: the part that another backend may take from the CPU.
   */
  public void input(FeatureRow row, float[] x, int offset) {
    Scratch s = scratch.get();
    s.one[0] = row;
    try {
      inputs(s.one, 0, 1, x, offset, s);
    } finally {
      s.one[0] = null;
    }
  }

  /**
   * Writes the inputs of {@code rows[r0, r0 + n)} at {@code x[offset + r * inputWidth]}, one
   * feature at a time: all rows' table rows are found (hashed, bucketed, looked up), then those
   * of large tables touched, then all copied. Feature by feature, each loop runs one kind of work
   * whose iterations are independent, so hashes overlap and the reads of a large table, mostly
   * cache misses, are in flight together rather than one behind the other.
   */
  private void inputs(FeatureRow[] rows, int r0, int n, float[] x, int offset, Scratch s) {
    for (int r = 0; r < n; r++) {
      checkRow(rows[r0 + r]);
    }
    long[] buckets = s.buckets;
    float touched = 0f;
    for (int f = 0; f < featureArray.length; f++) {
      touched += featureArray[f].firstBuckets(rows, r0, n, f, buckets, f * CHUNK);
    }
    for (int f = 0; f < featureArray.length; f++) {
      touched += featureArray[f].touchRows(buckets, f * CHUNK, n);
    }
    s.touched = touched;
    for (int f = 0; f < featureArray.length; f++) {
      featureArray[f].writeAll(rows, r0, n, f, buckets, f * CHUNK, x, offset + offsets[f], inputWidth);
    }
  }

  /**
   * Writes what the first dense layer reads for {@code rows[from, from + n)}: their inputs, SENet
   * applied when the tower has one, row r at {@code x[offset + r * inputWidth]}. For a backend
   * that computes the features on the CPU and the dense layers elsewhere.
   */
  public void denseInput(FeatureRow[] rows, int from, int n, float[] x, int offset) {
    if (from < 0 || n < 0 || from + n > rows.length || offset < 0
        || x.length - offset < (long) n * inputWidth) {
      throw new IllegalArgumentException("rows [" + from + ", " + (from + n) + ") of " + rows.length
          + " need " + (long) n * inputWidth + " floats from " + offset + " of " + x.length);
    }
    Scratch s = scratch.get();
    for (int r0 = 0; r0 < n; r0 += CHUNK) {
      int m = Math.min(CHUNK, n - r0);
      int o = offset + r0 * inputWidth;
      inputs(rows, from + r0, m, x, o, s);
      if (senet != null) {
        for (int r = 0; r < m; r++) {
          senet.apply(x, o + r * inputWidth, offsets, dims, s.z, s.h);
        }
      }
    }
  }

  /**
   * Runs {@code hook} when the tower's model is closed, before its memory is freed (at once if it
   * already was): a backend frees there what it keeps for this tower. Hooks run once, in order.
   */
  public void onClose(Runnable hook) {
    synchronized (closeHooks) {
      if (!closed) {
        closeHooks.add(hook);
        return;
      }
    }
    hook.run();
  }

  /** Runs the close hooks, every one even if some throw; rethrows the first failure. */
  void close() {
    List<Runnable> hooks;
    synchronized (closeHooks) {
      closed = true;
      hooks = List.copyOf(closeHooks);
      closeHooks.clear();
    }
    RuntimeException first = null;
    for (Runnable h : hooks) {
      try {
        h.run();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** Embeds one request: head h's vector at {@code out[headOffset(h) ..]}. */
  public void embed(FeatureRow row, float[] out) {
    Scratch s = scratch.get();
    s.one[0] = row;
    try {
      embedBatch(s.one, 1, out);
    } finally {
      s.one[0] = null;
    }
  }

  /**
   * Embeds {@code rows[0, count)}: row r, head h at {@code out[r * width() + headOffset(h) ..]}
   * (with heads of one dimension d, {@code out[(r * heads + h) * d ..]}).
   */
  public void embedBatch(FeatureRow[] rows, int count, float[] out) {
    if (count < 0 || count > rows.length) {
      throw new IllegalArgumentException("count " + count + " outside [0, " + rows.length + "]");
    }
    if (out.length < (long) count * width) {
      throw new IllegalArgumentException("out holds " + out.length + " floats; " + count
          + " rows x " + width + " (heads " + describeHeads() + ") need " + (long) count * width);
    }
    Scratch s = scratch.get();
    for (int r0 = 0; r0 < count; r0 += CHUNK) {
      chunk(rows, r0, Math.min(CHUNK, count - r0), out, s);
    }
  }

  private void chunk(FeatureRow[] rows, int r0, int n, float[] out, Scratch s) {
    float[] x = s.a;
    inputs(rows, r0, n, x, 0, s);
    if (senet != null) {
      for (int r = 0; r < n; r++) {
        senet.apply(x, r * inputWidth, offsets, dims, s.z, s.h);
      }
    }
    float[] y = s.b;
    // One request reads every weight once, more than L2 holds; visiting the panels in the
    // opposite order on alternate requests starts each layer on the panels still cached.
    boolean backward = n == 1 && (s.backward = !s.backward);
    for (DenseLayer l : layers) {
      l.forward(x, n, y, backward);
      float[] t = x;
      x = y;
      y = t;
    }
    float[] trunk = x, spare = y;
    for (int h = 0; h < heads.size(); h++) {
      Head head = heads.get(h);
      float[] v = trunk;
      float[] p = spare, q = s.c;
      for (DenseLayer l : head.layers()) {
        l.forward(v, n, p, backward);
        v = p;
        p = q;
        q = v;
      }
      int d = headDims[h];
      for (int r = 0; r < n; r++) {
        int o = (r0 + r) * width + headOffsets[h];
        System.arraycopy(v, r * d, out, o, d);
        head.finish(out, o, d);
      }
    }
  }

  private void checkRow(FeatureRow row) {
    if (row.tower() != this) {
      throw new IllegalArgumentException(row.tower().name().equals(name)
          ? "Row made for tower '" + name + "' of another model (FeatureRow.copyTo carries it over)"
          : "Row made for tower '" + row.tower().name() + "' given to tower '" + name + "'");
    }
  }

  /** One thread's buffers: activations of a chunk, table rows and SENet temporaries. */
  private final class Scratch {
    final float[] a = new float[CHUNK * maxWidth];
    final float[] b = new float[CHUNK * maxWidth];
    final float[] c = new float[CHUNK * maxWidth];
    final float[] z = new float[features.size()];
    /** Feature f's table rows for a chunk at {@code [f * CHUNK, (f + 1) * CHUNK)}. */
    final long[] buckets = new long[CHUNK * features.size()];
    /** Keeps the cache-warming reads of {@link #inputs} from being optimised away. */
    float touched;
    final float[] h = new float[senet == null ? 0 : senet.hidden()];
    final FeatureRow[] one = new FeatureRow[1];
    boolean backward;
  }
}
