package dev.quiver.spark;

import dev.quiver.serving.recall.ItemEmbedder;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerBackend;
import dev.quiver.tower.TowerBackends;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/**
 * The item tower over one partition of the item table, in batches of {@link ItemEmbedder#BATCH}
 * rows on the selected tower backend, with the same {@link Tower} code the service runs: once per
 * row, whatever the number of heads. Rows come out in the order they came in, each an
 * {@link Embedded}: its vectors, or the reason the row does not fit the model. Streams: one batch
 * of rows is held at a time.
 */
final class EmbedPartition implements FlatMapFunction<Iterator<Row>, Embedded> {
  private static final long serialVersionUID = 1L;

  private final String model;
  private final FeatureColumns columns;
  private final LongAccumulator unknownCategories;

  EmbedPartition(String model, FeatureColumns columns, LongAccumulator unknownCategories) {
    this.model = model;
    this.columns = columns;
    this.unknownCategories = unknownCategories;
  }

  @Override
  public Iterator<Embedded> call(Iterator<Row> rows) {
    return new Batches(rows, ModelFiles.load(model).item());
  }

  private final class Batches implements Iterator<Embedded> {
    private final Iterator<Row> rows;
    private final Tower tower;
    private final TowerBackend backend = TowerBackends.select();
    private final FeatureRow[] batch;
    private final float[] out;
    private final FeatureColumns.Vocabularies vocabularies;
    private final List<Embedded> ready = new ArrayList<>();
    /** Per batch row: its item id, and its place in {@link #ready}. */
    private final long[] ids = new long[ItemEmbedder.BATCH];
    private final int[] slots = new int[ItemEmbedder.BATCH];
    private int next;
    private long seen;

    Batches(Iterator<Row> rows, Tower tower) {
      this.rows = rows;
      this.tower = tower;
      this.batch = new FeatureRow[ItemEmbedder.BATCH];
      for (int i = 0; i < batch.length; i++) {
        batch[i] = tower.newRow();
      }
      this.out = new float[batch.length * tower.width()];
      this.vocabularies = new FeatureColumns.Vocabularies(tower);
    }

    @Override
    public boolean hasNext() {
      if (next == ready.size()) {
        refill();
      }
      return next < ready.size();
    }

    @Override
    public Embedded next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.get(next++);
    }

    /** Reads up to one batch of rows, embeds the good ones, and queues all in input order. */
    private void refill() {
      ready.clear();
      next = 0;
      int good = 0;
      long unknownBefore = vocabularies.unknown();
      while (good < batch.length && rows.hasNext()) {
        if (take(rows.next(), good)) {
          good++;
        }
      }
      unknownCategories.add(vocabularies.unknown() - unknownBefore);
      if (good > 0) {
        backend.embed(tower, batch, good, out);
        int width = tower.width();
        for (int r = 0; r < good; r++) {
          ready.set(slots[r], new Embedded(ids[r], Arrays.copyOfRange(out, r * width, (r + 1) * width), null));
        }
      }
    }

    /**
     * Queues {@code row}: as batch row {@code at} with a slot for its vector when it fits the
     * model (returns true), else as a bad row.
     */
    private boolean take(Row row, int at) {
      seen++;
      long id;
      try {
        id = columns.id(row);
      } catch (IllegalArgumentException e) {
        ready.add(Embedded.bad("row " + seen + " of input partition " + TaskContext.getPartitionId(), e.getMessage()));
        return false;
      }
      String problem = columns.fill(row, batch[at], vocabularies);
      if (problem != null) {
        ready.add(new Embedded(id, null, "item " + id + " " + problem));
        return false;
      }
      ids[at] = id;
      slots[at] = ready.size();
      ready.add(null);
      return true;
    }
  }
}
