package dev.quiver.serving.recall;

import dev.quiver.tower.FeatureRow;

/**
 * One event of the fresh-item log: item {@code id} added with its raw features (a copy, in a
 * row of the item tower that was served then, carried to later towers by feature name), or
 * taken down ({@code features} null).
 *
 * @param millis when it happened, epoch milliseconds: compared with a build's item cut-off
 */
record FreshRecord(long millis, long id, FeatureRow features) {
  boolean isAdd() {
    return features != null;
  }
}
