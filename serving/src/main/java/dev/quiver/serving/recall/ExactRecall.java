package dev.quiver.serving.recall;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.recall.HeadMerger;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.agrona.collections.LongHashSet;

/**
 * The exact answer a recall should approach: the model's user tower on the same features, each
 * head's exact top k over the item vectors (brute force), merged as the request says (equal
 * weights, no quotas). Served answers differ from it only by what the approximate index misses.
 * Not thread-safe; close it to free the model and the exact index.
 */
public final class ExactRecall implements AutoCloseable {
  private final TowerModel model;
  private final FlatIndex exact;
  private final Tower tower;
  private final FeatureRow row;
  private final float[] vectors;
  private final HeadMerger merger = new HeadMerger();
  private final LongHashSet truth = new LongHashSet();

  /**
   * Over {@code items} (copied; one item head's vectors, searched by every user head) with item
   * ids {@code ids}, for the model in {@code modelDir}.
   *
   * @throws IllegalArgumentException a user head whose vectors are not of the items' dimension
   */
  public ExactRecall(Path modelDir, VectorStore items, long[] ids) throws IOException {
    model = TowerModel.load(modelDir);
    tower = model.user();
    for (int h = 0; h < tower.heads(); h++) {
      if (tower.headDim(h) != items.dimension()) {
        model.close();
        throw new IllegalArgumentException(modelDir + ": user head '" + tower.headNames().get(h) + "' gives "
            + tower.headDim(h) + "-d vectors; the items are " + items.dimension() + "-d");
      }
    }
    exact = FlatIndex.build(items, ids, Metric.INNER_PRODUCT);
    row = tower.newRow();
    vectors = new float[tower.width()];
  }

  /** The exact answer to {@code request} for {@code user} (a row of any model with these features). */
  public RecallResults answer(FeatureRow user, RecallRequest request) {
    tower.embed(user.copyTo(row), vectors);
    SearchResults[] lists = new SearchResults[tower.heads()];
    for (int h = 0; h < lists.length; h++) {
      lists[h] = new SearchResults(request.headK(h));
      exact.search(Arrays.copyOfRange(vectors, tower.headOffset(h), tower.headOffset(h) + tower.headDim(h)),
          request.headK(h), null, Params.DEFAULT, lists[h]);
    }
    RecallResults out = new RecallResults(request.k());
    merger.merge(request.merge(), lists, lists.length, null, null, request.k(), out);
    return out;
  }

  /** The share of the exact answer to the same request that {@code served} holds (1 when both are empty). */
  public double recall(RecallResults served, FeatureRow user, RecallRequest request) {
    RecallResults want = answer(user, request);
    truth.clear();
    for (int i = 0; i < want.count(); i++) {
      truth.add(want.id(i));
    }
    int found = 0;
    for (int i = 0; i < served.count(); i++) {
      found += truth.contains(served.id(i)) ? 1 : 0;
    }
    return want.count() == 0 ? 1 : found / (double) want.count();
  }

  @Override
  public void close() {
    exact.close();
    model.close();
  }
}
