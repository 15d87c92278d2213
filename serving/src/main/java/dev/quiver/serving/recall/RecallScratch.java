package dev.quiver.serving.recall;

import dev.quiver.engine.SearchResults;
import dev.quiver.serving.snapshot.Lease;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;

/** One request thread's buffers for single recalls; grows to the largest request seen. */
final class RecallScratch {
  final FeatureRow[] rows = new FeatureRow[1];
  final HeadMerger merger = new HeadMerger();
  final ItemFilter filter = new ItemFilter();
  /** Taken again for every request of this thread (released in between), null until the first. */
  Lease<TowerModel> lease;
  final FreshSearch fresh = new FreshSearch();
  float[] vectors = new float[0];
  private float[][] queries = new float[0][];
  private SearchResults[] perHead = new SearchResults[0];
  private FeatureRow translated;
  private BatchScratch batch;
  private Snapshot<TowerModel> paired;
  private HeadPairing pairing;

  /** {@code user} itself when made for {@code tower}, else its values carried over by name. */
  FeatureRow rowFor(FeatureRow user, Tower tower) {
    if (user.tower() == tower) {
      return user;
    }
    if (translated == null || translated.tower() != tower) {
      translated = tower.newRow();
    }
    return user.copyTo(translated);
  }

  float[] vectors(int n) {
    if (vectors.length < n) {
      vectors = new float[n];
    }
    return vectors;
  }

  /** A query buffer of {@code dim} floats for list {@code l}: lists may differ in dimension. */
  float[] query(int l, int dim) {
    if (queries.length <= l) {
      queries = java.util.Arrays.copyOf(queries, l + 1);
    }
    if (queries[l] == null || queries[l].length != dim) {
      queries[l] = new float[dim];
    }
    return queries[l];
  }

  /** The result list of head {@code h}, with room for {@code k}. */
  SearchResults perHead(int h, int k) {
    if (perHead.length <= h) {
      perHead = java.util.Arrays.copyOf(perHead, h + 1);
    }
    if (perHead[h] == null) {
      perHead[h] = new SearchResults(k);
    }
    perHead[h].reset(k);
    return perHead[h];
  }

  SearchResults[] perHead() {
    return perHead;
  }

  BatchScratch batch(int count, HeadPairing pairs, Tower tower) {
    if (batch == null || !batch.fits(count, pairs, tower)) {
      batch = new BatchScratch(count, pairs, tower);
    }
    return batch;
  }

  /** The snapshot's head pairing, worked out once per snapshot this thread serves, not per request. */
  HeadPairing pairing(Snapshot<TowerModel> snapshot) {
    if (snapshot != paired) {
      pairing = HeadPairing.of(snapshot);
      paired = snapshot;
    }
    return pairing;
  }
}
