package dev.quiver.ivf;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;

/**
 * Builds an IVF index of any kind from a coarse quantizer and list labels computed elsewhere (the
 * tasks of a distributed build): the same lists, in the same order, and the same codes as the
 * kind's own build over {@code source} gives, since both train with the same sample and seed.
 */
public final class IvfBuilds {
  private IvfBuilds() {}

  /**
   * The {@code kind} index ({@code ivf-flat}, {@code ivf-sq8}, {@code ivf-pq}) over {@code source},
   * item {@code i} in list {@code labels[i]} of {@code quantizer}, which was
   * {@linkplain IvfQuantizer#train trained} on {@code source} with {@code params}.
   */
  public static VectorIndex assemble(String kind, VectorStore source, IvfQuantizer quantizer, int[] labels,
                                     Metric metric, Params params, int threads) {
    ListBuilder lists = new ListBuilder(source, metric, quantizer, labels, threads);
    return switch (kind) {
      case IvfFlatIndex.KIND -> IvfFlatIndex.build(source, null, metric, params, threads, lists);
      case IvfSq8Index.KIND -> IvfSq8Index.build(source, null, metric, params, threads, lists);
      case IvfPqIndex.KIND -> IvfPqIndex.build(source, null, metric, params, threads, lists);
      default -> throw new IllegalArgumentException("'" + kind + "' is not an inverted-file kind; expected "
          + IvfFlatIndex.KIND + ", " + IvfSq8Index.KIND + " or " + IvfPqIndex.KIND);
    };
  }
}
