package dev.quiver.serving.recall;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.MutableIndex;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.simd.TopK;
import dev.quiver.simd.VectorKernels;
import java.util.Arrays;
import java.util.concurrent.Executor;
import org.agrona.collections.Long2LongHashMap;

/**
 * The fresh items of one snapshot version and one item head: vectors embedded by that version's
 * item tower, searched beside its main index. Entries are numbered in order of addition; a
 * replaced or taken-down item's entry is marked dead and a replacement takes a new entry.
 *
 * <p>Small, it is scanned exactly. Past {@link FreshConfig#flatLimit} entries a graph (an engine
 * {@link MutableIndex}) is filled in the background from the rows, caught up under the writers'
 * lock and searched from then on; adds keep flowing meanwhile. Bounded by
 * {@link FreshConfig#maxItems} and {@link FreshConfig#maxBytes}: a put beyond them throws
 * {@link DeltaFullException}.
 *
 * <p>One writer at a time (puts and removes are synchronized), any number of lock-free readers:
 * a search sees every put and remove that returned before it started. Writers publish the row
 * arrays before the count, and readers read the count first, so the arrays a reader sees hold
 * every entry below the count it read.
 */
public final class DeltaSegment implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DeltaSegment.class.getName());
  private static final ThreadLocal<Scan> SCAN = ThreadLocal.withInitial(Scan::new);

  private final String name;
  private final int dim;
  private final Metric metric;
  private final FreshConfig config;
  private final Executor background;
  private final ConcurrentBits dead = new ConcurrentBits(64);
  /** Item id to its live entry; writers only. */
  private final Long2LongHashMap entryOf = new Long2LongHashMap(-1);
  private volatile float[] rows;
  private volatile long[] itemIds;
  private volatile int count;
  private volatile MutableIndex graph;
  private boolean graphStarted;
  private boolean closed;

  /**
   * An empty segment of vectors of {@code dim} floats scored by {@code metric}; {@code name}
   * appears in its errors, {@code background} builds its graph.
   */
  public DeltaSegment(String name, int dim, Metric metric, FreshConfig config, Executor background) {
    this.name = name;
    this.dim = dim;
    this.metric = metric;
    this.config = config;
    this.background = background;
    rows = new float[16 * dim];
    itemIds = new long[16];
  }

  /** Entries that {@code more} puts would reach: refuses them all up front, before anything is logged. */
  synchronized void checkRoom(int more) {
    long entries = (long) count + more;
    if (entries > config.maxItems() || byteSize() + more * entryBytes() > config.maxBytes()) {
      throw new DeltaFullException("fresh items of " + name + " are full: " + count + " entries + " + more
          + " exceed maxItems " + config.maxItems() + " or maxBytes " + config.maxBytes()
          + "; they empty when the next build is served");
    }
  }

  /** Adds item {@code id} with the vector at {@code vectors[offset..offset+dim)}, replacing its entry. */
  public synchronized void put(long id, float[] vectors, int offset) {
    checkOpen();
    checkRoom(1);
    float[] v = Arrays.copyOfRange(vectors, offset, offset + dim);
    if (metric == Metric.COSINE) {
      VectorKernels.normalize(v);
    }
    // The old entry dies before the new one is published: a concurrent search may miss the
    // item for an instant, but never returns it twice.
    remove(id);
    int entry = count;
    grow(entry + 1);
    System.arraycopy(v, 0, rows, entry * dim, dim);
    itemIds[entry] = id;
    MutableIndex g = graph;
    if (g != null) {
      g.add(v);
    }
    entryOf.put(id, entry);
    count = entry + 1;
    if (g == null && !graphStarted && count >= config.flatLimit()) {
      graphStarted = true;
      background.execute(this::buildGraph);
    }
  }

  /** Kills the live entry of item {@code id}; false when it has none. */
  public synchronized boolean remove(long id) {
    int entry = (int) entryOf.remove(id);
    return entry >= 0 && dead.set(entry);
  }

  /** Live items. */
  public synchronized int liveCount() {
    return entryOf.size();
  }

  /** Bytes held: rows and ids, and the graph once built (which copies the rows). */
  long byteSize() {
    MutableIndex g = graph;
    return (long) count * entryBytes() + (g == null ? 0 : g.byteSize());
  }

  /** True once searches go through the graph. */
  public boolean isGraph() {
    return graph != null;
  }

  /**
   * The best {@code k} live items that {@code allows} accepts (null: all), with their item ids and
   * scores as the metric reports them, best first, into {@code out}. The request's search
   * parameters are for the main index's kind; the graph is searched with an efSearch of twice k
   * (at least 64), which keeps fresh items' recall near that of an exact scan at these sizes.
   */
  public void search(float[] query, int k, ItemFilter allows, SearchResults out) {
    int n = count;
    long[] ids = itemIds;
    float[] r = rows;
    MutableIndex g = graph;
    out.reset(k);
    if (n == 0) {
      return;
    }
    Scan scan = SCAN.get();
    if (g != null) {
      g.search(query, k, scan.live.bind(n, ids, dead, allows), scan.params(k), out);
      for (int i = 0; i < out.count(); i++) {
        out.replaceId(i, ids[(int) out.id(i)]);
      }
    } else {
      scan.scan(this, query, k, n, r, ids, allows, out);
    }
  }

  private void grow(int entries) {
    if (entries * dim <= rows.length) {
      return;
    }
    int capacity = Math.max(entries, itemIds.length * 2);
    // Copies first, then publish: a reader sees old arrays or complete new ones.
    float[] newRows = Arrays.copyOf(rows, capacity * dim);
    long[] newIds = Arrays.copyOf(itemIds, capacity);
    rows = newRows;
    itemIds = newIds;
  }

  private long entryBytes() {
    return (long) dim * Float.BYTES + Long.BYTES + Integer.BYTES;
  }

  /** Fills a graph from the rows off the writers' lock, then catches up under it and switches. */
  private void buildGraph() {
    try {
      MutableIndex g = IndexFormats.forKind(config.graphKind()).newMutable(dim, metric, config.graphParams());
      int filled = fill(g, 0, count);
      synchronized (this) {
        if (closed) {
          g.close();
          return;
        }
        fill(g, filled, count);
        graph = g;
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "fresh items of " + name + " stay scanned exactly: " + e.getMessage(), e);
    }
  }

  private int fill(MutableIndex g, int from, int to) {
    float[] r = rows;
    float[] v = new float[dim];
    for (int e = from; e < to; e++) {
      System.arraycopy(r, e * dim, v, 0, dim);
      g.add(v);
    }
    return to;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("fresh items of " + name + " are closed");
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    MutableIndex g = graph;
    if (g != null) {
      g.close();
    }
  }

  /** Live entries the request's filters accept; entries added after the search began are not visible yet. */
  private static final class Live implements OrdinalFilter {
    private int n;
    private long[] ids;
    private ConcurrentBits dead;
    private ItemFilter allows;

    Live bind(int count, long[] itemIds, ConcurrentBits deadEntries, ItemFilter filter) {
      n = count;
      ids = itemIds;
      dead = deadEntries;
      allows = filter;
      return this;
    }

    @Override
    public boolean test(int entry) {
      return entry < n && !dead.get(entry) && (allows == null || allows.allows(ids[entry]));
    }
  }

  /** One thread's buffers for exact scans and graph searches. */
  private static final class Scan {
    private final Live live = new Live();
    private final TopK top = new TopK(1);
    private int paramsK;
    private Params params;
    private float[] query = new float[0];

    Params params(int k) {
      if (k != paramsK) {
        params = Params.parse("efSearch=" + Math.max(64, 2 * k));
        paramsK = k;
      }
      return params;
    }
    private int[] ordinals = new int[0];
    private float[] scores = new float[0];

    void scan(DeltaSegment d, float[] q, int k, int n, float[] rows, long[] ids, ItemFilter allows,
              SearchResults out) {
      int dim = d.dim;
      if (query.length != dim) {
        query = new float[dim];
      }
      System.arraycopy(q, 0, query, 0, dim);
      if (d.metric == Metric.COSINE) {
        VectorKernels.normalize(query);
      }
      top.reset(k);
      for (int e = 0; e < n; e++) {
        float s = d.metric == Metric.L2
            ? -VectorKernels.squareDistance(query, 0, rows, e * dim, dim)
            : VectorKernels.dot(query, 0, rows, e * dim, dim);
        if ((top.size() < k || s > top.threshold()) && !d.dead.get(e) && (allows == null || allows.allows(ids[e]))) {
          top.offer(e, s);
        }
      }
      if (ordinals.length < k) {
        ordinals = new int[k];
        scores = new float[k];
      }
      int found = top.drainDescending(ordinals, scores);
      for (int i = 0; i < found; i++) {
        out.add(ids[ordinals[i]], d.metric.externalScore(scores[i]));
      }
    }
  }
}
