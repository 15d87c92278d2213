package dev.quiver.cli;

import dev.quiver.tools.Progress;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import dev.quiver.serving.recall.RecallCheck;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.PublishStep;
import dev.quiver.serving.snapshot.SnapshotLayout;
import dev.quiver.serving.snapshot.SnapshotSource;
import dev.quiver.serving.snapshot.SnapshotWriter;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerBackends;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver build-snapshot}: item vectors and a model directory to a published snapshot
 * (index over item ordinals, item id table, model, manifest), made current atomically.
 */
@Command(name = "build-snapshot", mixinStandardHelpOptions = true,
    description = {"Build an item index from item vectors and publish it with its model as a new snapshot",
        "version under --root (written aside, forced, renamed into place, CURRENT replaced atomically).",
        "Item vectors come precomputed (--items: .fvecs, .bvecs, .npy) or from item feature rows",
        "(--item-features: JSON lines) run through the model's own item tower. --user-features",
        "runs a sample of user rows through the model's user tower as the query sample of a",
        "query-aware HNSW build (learn). Before CURRENT moves, the written version is loaded aside",
        "as a service loads it, fully checked, and its recall@k measured over --users (or users",
        "generated from the model's user features); --min-recall refuses to publish below it."})
final class BuildSnapshotCommand extends QuiverCommand {
  private static final int GENERATED_USERS = 50;

  @Option(names = "--items", description = "Item vectors (.fvecs, .bvecs, .npy), one row per item.")
  Path items;

  @Option(names = "--item-features", description = "Item feature rows (.jsonl), one per item, run through the item tower.")
  Path itemFeatures;

  @Option(names = "--user-features",
      description = "A sample of user feature rows (.jsonl) whose user-tower vectors shape a query-aware HNSW graph.")
  Path userFeatures;

  @Option(names = "--ids", description = "Item ids: a text file, one integer per line, in item order (default: row numbers).")
  Path ids;

  @Option(names = "--model", required = true,
      description = "The model directory (model.json, model.safetensors, ...), copied into the snapshot.")
  Path model;

  @Option(names = "--index", defaultValue = "hnsw", description = "Index kind (default ${DEFAULT-VALUE}).")
  String kind;

  @Option(names = "--build", defaultValue = "", description = "Build parameters, k=v,... (e.g. M=16,efConstruction=100).")
  String build;

  @Option(names = "--metric", defaultValue = "ip", description = "ip, cosine or l2 (default ${DEFAULT-VALUE}).")
  Metric metric;

  @Option(names = "--index-file",
      description = "An index file already built over these items, without ids, linked or copied instead of building.")
  Path indexFile;

  @Option(names = "--root", required = true, description = "The snapshot root (created if needed).")
  Path root;

  @Option(names = "--retain", defaultValue = "3", description = "Versions kept in the root (default ${DEFAULT-VALUE}).")
  int retain;

  @Option(names = "--snapshot-version", defaultValue = "0",
      description = "Version to publish (default: one above the newest in the root).")
  long version;

  @Option(names = "--users",
      description = "User feature rows (.jsonl) to measure recall with before publishing (default: 50 generated users).")
  Path users;

  @Option(names = "--min-recall", defaultValue = "0",
      description = "Refuse to publish when recall@k over the users is below this (default ${DEFAULT-VALUE}: report only).")
  double minRecall;

  @Option(names = "--k", defaultValue = "100", description = "k of the recall check (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--search", defaultValue = "",
      description = "Search parameters of the recall check, as the service will search (e.g. efSearch=200).")
  String search;

  @Option(names = "--threads", description = "Build threads (default: all cores).")
  Integer threads;

  @Option(names = "--no-progress", description = "No progress bars.")
  boolean noProgress;

  private RecallCheck recallCheck;
  /** The start of the verify step, then (once it is over) its duration. */
  private long verifyNanos;

  @Override
  public Integer call() throws Exception {
    SnapshotRoots.requireDirectoryOrAbsent(root);
    Params searchParams = Params.parse(search);
    recallCheck = users != null ? RecallCheck.ofUsers(users, k, searchParams, minRecall)
        : RecallCheck.generated(GENERATED_USERS, k, searchParams, minRecall);
    if ((items == null) == (itemFeatures == null)) {
      throw new IllegalArgumentException("give exactly one of --items (vectors) and --item-features (feature rows)");
    }
    ItemVectorSource source = items != null ? new PrecomputedItemVectors(items)
        : new TowerItemVectors(itemFeatures, model, TowerBackends.select(), n -> { });
    if (indexFile != null && userFeatures != null) {
      throw new IllegalArgumentException("--user-features shapes a build, but --index-file " + indexFile
          + " is already built");
    }
    Path sample = userFeatures == null ? null : querySample();
    try {
      return build(source, Params.parse(build), sample);
    } finally {
      if (sample != null) {
        Files.deleteIfExists(sample);
      }
    }
  }

  /**
   * Builds (or links) the index and publishes it. The index gets the query sample as
   * {@code learn=PATH}; the manifest records where the sample came from instead of that
   * temporary file, which is gone once the build is done.
   */
  private int build(ItemVectorSource source, Params params, Path sample) throws IOException {
    Params indexParams = sample == null ? params : params.with("learn", sample.toString());
    Params recorded = userFeatures == null ? params
        : params.with("userFeatures", userFeatures.getFileName().toString());
    long[] itemIds = ids == null ? null : readIds(ids);
    long t0 = System.nanoTime();
    double readS;
    double buildS;
    Manifest manifest;
    if (indexFile != null && !source.headNames().isEmpty()) {
      throw new IllegalArgumentException("--index-file " + indexFile + " is one index, but the item tower of "
          + model + " has heads " + source.headNames() + ", one index each");
    }
    if (indexFile != null) {
      readS = 0;
      buildS = 0;
      manifest = publish(SnapshotSource.ofFile(model, indexFile, recorded).linked(), itemIds);
    } else {
      List<String> heads = source.headNames();
      List<VectorStore> stores = stage("read " + source.describe(), source::headVectors);
      List<VectorIndex> indexes = new ArrayList<>();
      try {
        readS = seconds(t0);
        long t1 = System.nanoTime();
        for (int h = 0; h < stores.size(); h++) {
          VectorStore vectors = stores.get(h);
          indexes.add(stage("build " + kind + (heads.isEmpty() ? "" : " for item head " + heads.get(h)),
              () -> IndexFormats.forKind(kind).build(vectors, null, metric, indexParams,
                  threads != null ? threads : cores())));
        }
        buildS = seconds(t1);
        manifest = publish(snapshotSource(heads, indexes, recorded), itemIds);
      } finally {
        indexes.forEach(VectorIndex::close);
        stores.forEach(VectorStore::close);
      }
    }
    double publishS = seconds(t0) - readS - buildS;
    summary(manifest, source, readS, buildS, publishS);
    return 0;
  }

  /** One index, or one per item head (the manifest lists them). */
  private SnapshotSource snapshotSource(List<String> heads, List<VectorIndex> indexes, Params recorded) {
    if (heads.isEmpty()) {
      return SnapshotSource.of(model, indexes.getFirst(), recorded);
    }
    List<SnapshotSource.ItemHead> itemHeads = new ArrayList<>();
    for (int h = 0; h < heads.size(); h++) {
      itemHeads.add(new SnapshotSource.ItemHead(heads.get(h), indexes.get(h)));
    }
    return SnapshotSource.ofHeads(model, itemHeads, recorded);
  }

  /**
   * The user tower's vectors of the sample rows (every head), written to a temporary file as the
   * query sample ({@code learn}) of a query-aware HNSW build.
   */
  private Path querySample() throws IOException {
    if (!"hnsw".equals(kind)) {
      throw new IllegalArgumentException("--user-features shapes HNSW graphs only; --index is " + kind);
    }
    Path sample = Files.createTempFile("quiver-user-sample", ".fvecs");
    try (TowerModel m = TowerModel.load(model)) {
      List<FeatureRow> rows = FeatureRows.readJsonl(userFeatures, m.user());
      Tower user = m.user();
      if (user.width() != user.heads() * user.headDim(0)) {
        throw new IllegalArgumentException("--user-features: " + model + "'s user heads " + user.describeHeads()
            + " differ in dimension; one query sample feeds every item head's build");
      }
      int dim = user.headDim(0);
      float[] out = new float[rows.size() * user.width()];
      user.embedBatch(rows.toArray(new FeatureRow[0]), rows.size(), out);
      float[][] vectors = new float[rows.size() * user.heads()][];
      for (int i = 0; i < vectors.length; i++) {
        vectors[i] = java.util.Arrays.copyOfRange(out, i * dim, (i + 1) * dim);
      }
      VectorFiles.writeFloats(sample, vectors);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(sample);
      throw e;
    }
    return sample;
  }

  private Manifest publish(SnapshotSource source, long[] itemIds) throws IOException {
    SnapshotSource s = itemIds == null ? source : source.withIds(itemIds);
    s = version == 0 ? s : s.withVersion(version);
    try (Progress bar = Progress.start("publish", PublishStep.values().length, "steps", !noProgress)) {
      return new SnapshotWriter(root, retain, TowerModelLoader.gate(recallCheck), step -> {
        bar.step(1);
        if (step == PublishStep.VERIFY || step == PublishStep.RENAME) {
          verifyNanos = System.nanoTime() - verifyNanos;
        }
      }).publish(s);
    }
  }

  /** A long step with an elapsed-time bar (these steps report no progress of their own). */
  private <T> T stage(String name, IoSupplier<T> step) throws IOException {
    try (Progress bar = Progress.start(name, -1, "", !noProgress)) {
      return step.get();
    }
  }

  @FunctionalInterface
  private interface IoSupplier<T> {
    T get() throws IOException;
  }

  private static long[] readIds(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    long[] out = new long[lines.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        out[i] = Long.parseLong(lines.get(i).trim());
      } catch (NumberFormatException e) {
        throw new IOException(file + ": line " + (i + 1) + " is not an item id: '" + lines.get(i) + "'");
      }
    }
    return out;
  }

  private void summary(Manifest m, ItemVectorSource source, double readS, double buildS, double publishS)
      throws IOException {
    Path dir = root.resolve(SnapshotLayout.dirName(m.version()));
    long indexBytes = m.file(SnapshotLayout.INDEX).size();
    long total = m.files().stream().mapToLong(Manifest.FileEntry::size).sum();
    out().printf("published %s: %,d items x %d, %s index (%s), metric %s, from %s%n", dir, m.itemCount(),
        m.index().dimension(), m.index().kind(), params(m), m.index().metric(),
        indexFile != null ? "index file " + indexFile : source.describe());
    out().printf("model fingerprint %s%n", m.modelFingerprint());
    out().printf("verified before publishing in %.2f s: loads as served, %s%n", verifyNanos / 1e9,
        recallCheck.lastRecall());
    if (!m.itemHeads().isEmpty()) {
      out().printf("item heads: %s, one index each%n",
          String.join(", ", m.itemHeads().stream().map(Manifest.ItemHead::name).toList()));
    }
    out().printf("stages: read items %.1f s, build index %.1f s, publish %.1f s%n", readS, buildS, publishS);
    out().printf("index %.1f MiB, snapshot %.1f MiB; current version %d%n", indexBytes / 1048576.0,
        total / 1048576.0, SnapshotLayout.current(root));
  }

  private static String params(Manifest m) {
    return m.index().params().isEmpty() ? "default parameters" : Params.parse(String.join(",",
        m.index().params().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())).toString();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
