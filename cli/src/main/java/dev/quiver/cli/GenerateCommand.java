package dev.quiver.cli;

import dev.quiver.tools.DatasetSpec;
import dev.quiver.tools.TwoTowerDataset;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quiver generate}: writes a two-tower-shaped data set as .fvecs files. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = {"Write a data set shaped like trained two-tower embeddings:",
        "DIR/base.fvecs (items), DIR/query.fvecs (user-like queries, off the item manifold),",
        "DIR/query-items.fvecs (item-like queries: held-out items), DIR/learn.fvecs (more users).",
        "Rows are unit-norm; the same options and seed give the same files."})
final class GenerateCommand extends QuiverCommand {
  @Option(names = "--n", defaultValue = "1000000", description = "Items in the base (default ${DEFAULT-VALUE}).")
  int n;

  @Option(names = "--dim", defaultValue = "64", description = "Dimension (default ${DEFAULT-VALUE}).")
  int dimension;

  @Option(names = "--queries", defaultValue = "10000",
      description = "User-like queries, and item-like queries unless --item-queries says otherwise (default ${DEFAULT-VALUE}).")
  int queries;

  @Option(names = "--item-queries", description = "Item-like queries (default: --queries).")
  Integer itemQueries;

  @Option(names = "--learn", defaultValue = "10000", description = "Training user vectors (default ${DEFAULT-VALUE}).")
  int learn;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--latent", description = "Intrinsic dimension r of the items (default: dim/5 within [8, 16]).")
  Integer latent;

  @Option(names = "--clusters", description = "Item clusters (default: n/500 within [8, 4096]).")
  Integer clusters;

  @Option(names = "--threads", description = "Generator threads (default: all cores).")
  Integer threads;

  @Option(names = "--no-progress", description = "No progress bar.")
  boolean noProgress;

  @Option(names = "--out", required = true, description = "Directory to write into (created if needed).")
  Path out;

  @Override
  public Integer call() throws Exception {
    DatasetSpec spec = spec();
    long t0 = System.nanoTime();
    TwoTowerDataset data = TwoTowerDataset.generate(spec, threads != null ? threads : cores(), !noProgress);
    double generated = (System.nanoTime() - t0) / 1e9;
    data.write(out);
    out().printf("generated %,d items x %d (latent %d, %d clusters), %,d user queries, %,d item queries, "
            + "%,d learn in %.1f s; wrote %s in %.1f s%n", spec.n(), spec.dimension(), spec.latentDimension(),
        spec.clusters(), spec.userQueries(), spec.itemQueries(), spec.learn(), generated, out,
        (System.nanoTime() - t0) / 1e9 - generated);
    return 0;
  }

  private DatasetSpec spec() {
    DatasetSpec d = DatasetSpec.defaults(n, dimension, queries, itemQueries != null ? itemQueries : queries, learn, seed);
    if (latent == null && clusters == null) {
      return d;
    }
    return new DatasetSpec(d.n(), d.dimension(), d.userQueries(), d.itemQueries(), d.learn(), d.seed(),
        latent != null ? latent : d.latentDimension(), clusters != null ? clusters : d.clusters(), d.zipfExponent(),
        d.clusterSpread(), d.spreadVariation(), d.itemNoise(), d.userOffManifold(), d.mapPerturbation(),
        d.maxInterests());
  }
}
