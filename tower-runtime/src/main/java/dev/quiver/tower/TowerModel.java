package dev.quiver.tower;

import dev.quiver.tower.ModelConfig.FeatureConfig;
import dev.quiver.tower.ModelConfig.HeadConfig;
import dev.quiver.tower.ModelConfig.LayerConfig;
import dev.quiver.tower.ModelConfig.SenetConfig;
import dev.quiver.tower.ModelConfig.TowerConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A two-tower model loaded from a directory holding {@value ModelFingerprint#CONFIG} and
 * {@value ModelFingerprint#WEIGHTS} (format: docs/TOWER.md). Loading checks every tensor the
 * config names against the shape it needs, folds batch-norms into their layers and packs the
 * dense weights for the kernels.
 *
 * <p>Embedding tables and weights live off-heap: in the model's own arena, freed by
 * {@link #close()}, or in a caller's arena, which the caller frees (then {@code close()} does
 * nothing). Thread-safe; the towers must not be used once the memory is freed.
 */
public final class TowerModel implements AutoCloseable {
  private final ModelConfig config;
  private final String fingerprint;
  private final Tower user;
  private final Tower item;
  private final Arena owned;

  private TowerModel(ModelConfig config, String fingerprint, Tower user, Tower item, Arena owned) {
    this.config = config;
    this.fingerprint = fingerprint;
    this.user = user;
    this.item = item;
    this.owned = owned;
  }

  /** Loads the model in {@code dir} into memory it owns, freed by {@link #close()}. */
  public static TowerModel load(Path dir) throws IOException {
    Arena arena = Arena.ofShared();
    try {
      return load(dir, arena, TableAllocator.PLAIN, arena);
    } catch (IOException | RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  /** Loads the model in {@code dir} with its tables and weights in {@code arena}, which the caller closes. */
  public static TowerModel load(Path dir, Arena arena) throws IOException {
    return load(dir, arena, TableAllocator.PLAIN, null);
  }

  /**
   * Loads the model in {@code dir} into {@code arena}, which the caller closes, its embedding
   * tables allocated by {@code tables} (e.g. on huge pages).
   */
  public static TowerModel load(Path dir, Arena arena, TableAllocator tables) throws IOException {
    return load(dir, arena, tables, null);
  }

  private static TowerModel load(Path dir, Arena arena, TableAllocator tables, Arena owned)
      throws IOException {
    ModelConfig config = ModelConfig.read(dir.resolve(ModelFingerprint.CONFIG));
    SafeTensors tensors = SafeTensors.open(dir.resolve(ModelFingerprint.WEIGHTS));
    Builder b = new Builder(tensors, arena, tables);
    Tower user = b.tower("user", config.tower("user"));
    Tower item = b.tower("item", config.tower("item"));
    return new TowerModel(config, ModelFingerprint.of(dir), user, item, owned);
  }

  public ModelConfig config() {
    return config;
  }

  /** {@link ModelFingerprint#of} the model's directory, as read at load. */
  public String fingerprint() {
    return fingerprint;
  }

  public Tower user() {
    return user;
  }

  public Tower item() {
    return item;
  }

  /** The tower called {@code name}: user or item. */
  public Tower tower(String name) {
    return switch (name) {
      case "user" -> user;
      case "item" -> item;
      default -> throw new IllegalArgumentException("No tower '" + name + "'; expected user or item");
    };
  }

  /**
   * Runs the towers' {@link Tower#onClose close hooks}, then frees the model's memory unless it
   * was loaded into a caller's arena.
   */
  @Override
  public void close() {
    try {
      user.close();
    } finally {
      try {
        item.close();
      } finally {
        if (owned != null) {
          owned.close();
        }
      }
    }
  }

  /** Turns a tower's config into a tower, checking it against the tensors. */
  private static final class Builder {
    private final SafeTensors tensors;
    private final Arena arena;
    private final TableAllocator tables;
    private String where;

    Builder(SafeTensors tensors, Arena arena, TableAllocator tables) {
      this.tensors = tensors;
      this.arena = arena;
      this.tables = tables;
    }

    Tower tower(String name, TowerConfig c) throws IOException {
      where = "towers." + name;
      if (c.features().isEmpty()) {
        throw bad("has no features");
      }
      if (c.heads().isEmpty()) {
        throw bad("has no heads");
      }
      List<Feature> features = new ArrayList<>();
      Set<String> names = new HashSet<>();
      int width = 0;
      for (int i = 0; i < c.features().size(); i++) {
        where = "towers." + name + ".features[" + i + "]";
        Feature f = feature(c.features().get(i));
        if (!names.add(f.name())) {
          throw bad("repeats the feature name '" + f.name() + "'");
        }
        features.add(f);
        width += f.width();
      }
      where = "towers." + name + ".senet";
      Senet senet = c.senet() == null ? null : senet(c.senet(), features);
      List<DenseLayer> layers = new ArrayList<>();
      width = layers("towers." + name + ".layers", c.layers(), width, layers);
      List<Head> heads = new ArrayList<>();
      for (int h = 0; h < c.heads().size(); h++) {
        HeadConfig hc = c.heads().get(h);
        where = "towers." + name + ".heads[" + h + "]";
        if (hc.name() == null || hc.name().isEmpty()) {
          throw bad("has no name");
        }
        List<DenseLayer> hl = new ArrayList<>();
        layers(where + ".layers", hc.layers(), width, hl);
        double t = temperature(hc);
        if (!(t > 0) || Double.isInfinite(t)) {
          throw bad("(" + hc.name() + ") has temperature " + t + "; it must be positive");
        }
        heads.add(new Head(hc.name(), hl, hc.l2Normalize() == null || hc.l2Normalize(), (float) t));
      }
      return new Tower(name, features, senet, layers, heads);
    }

    /** A head's temperature: a constant, a one-element tensor, or 1 / exp(a logit scale). */
    private double temperature(HeadConfig hc) throws IOException {
      int given = (hc.temperature() == null ? 0 : 1) + (hc.temperatureTensor() == null ? 0 : 1)
          + (hc.logitScale() == null ? 0 : 1);
      if (given > 1) {
        throw bad("(" + hc.name() + ") sets more than one of temperature, temperature_tensor and logit_scale");
      }
      if (hc.temperatureTensor() != null) {
        return scalar(hc.temperatureTensor());
      }
      if (hc.logitScale() != null) {
        return 1 / Math.exp(scalar(hc.logitScale()));
      }
      return hc.temperature() == null ? 1.0 : hc.temperature();
    }

    /** A one-element tensor (shape [] or [1]), as a learned scalar is stored. */
    private float scalar(String name) throws IOException {
      long[] shape = shape(name);
      long[] want = shape.length == 0 ? new long[0] : new long[] {1};
      return tensor(name, want).getAtIndex(ValueLayout.JAVA_FLOAT, 0);
    }

    private Feature feature(FeatureConfig c) throws IOException {
      if (c.name() == null || c.name().isEmpty()) {
        throw bad("has no name");
      }
      where += " (" + c.name() + ")";
      FeatureType type;
      try {
        type = FeatureType.parse(c.type());
      } catch (IllegalArgumentException e) {
        throw bad("has " + e.getMessage());
      }
      // A numeric feature passed on raw without an embedding: no table, only its value.
      boolean rawOnly = type == FeatureType.NUMERIC && c.embedding() == null && c.raw() != null;
      if (rawOnly ? c.dim() != 0 : c.dim() <= 0) {
        throw bad("has dim " + c.dim() + "; it must be positive (0 for a raw numeric without embedding)");
      }
      double[] boundaries = null;
      long rows = switch (type) {
        case ID -> {
          if (c.buckets() == null || c.buckets() <= 0) {
            throw bad("is an id feature and needs buckets > 0, not " + c.buckets());
          }
          yield c.buckets();
        }
        case NUMERIC -> {
          boundaries = rawOnly && c.boundaries() == null ? new double[0] : boundaries(c.boundaries());
          yield boundaries.length + 1L;
        }
        case CATEGORICAL -> {
          if (c.vocabulary() == null) {
            throw bad("is categorical and needs a vocabulary");
          }
          yield c.vocabulary().size() + 1L;
        }
      };
      Pooling pooling;
      NumericTransform transform;
      try {
        pooling = Pooling.parse(c.pooling());
        transform = NumericTransform.of(c.transform());
      } catch (IllegalArgumentException e) {
        throw bad("has " + e.getMessage());
      }
      if (type != FeatureType.NUMERIC && (transform != null || c.right() != null)) {
        throw bad("has transform or right: only numeric features have them");
      }
      boolean multi = c.multiValued() != null && c.multiValued();
      if (multi && type != FeatureType.ID) {
        throw bad("is multi-valued but only id features may be");
      }
      if (c.raw() != null && (type != FeatureType.NUMERIC || !(c.raw().std() > 0))) {
        throw bad("has raw: only numeric features pass on raw values, with std > 0");
      }
      long missing = c.missingBucket() == null ? -1 : c.missingBucket();
      if (c.missingBucket() != null && (missing < 0 || missing >= rows)) {
        throw bad("has missing_bucket " + missing + " outside its table's " + rows + " rows");
      }
      MemorySegment table = rawOnly ? MemorySegment.ofArray(new float[0]) : tensor(c.embedding(), tables, rows, c.dim());
      return new Feature(c.name(), type, table, rows, c.dim(), multi, pooling, missing, boundaries,
          c.right() != null && c.right(), transform, c.raw(), c.vocabulary());
    }

    private double[] boundaries(List<Double> list) throws IOException {
      if (list == null) {
        throw bad("is numeric and needs boundaries");
      }
      double[] b = new double[list.size()];
      for (int i = 0; i < b.length; i++) {
        b[i] = list.get(i);
        if (Double.isNaN(b[i]) || (i > 0 && b[i] <= b[i - 1])) {
          throw bad("has boundaries that do not increase at index " + i + ": " + list);
        }
      }
      return b;
    }

    private Senet senet(SenetConfig c, List<Feature> features) throws IOException {
      int fields = features.size();
      long[] shape = shape(c.fc1() + ".weight");
      if (shape.length != 2 || shape[1] != fields) {
        throw bad("tensor '" + c.fc1() + ".weight' has shape " + java.util.Arrays.toString(shape)
            + " but the config needs [hidden, " + fields + "] for " + fields + " fields");
      }
      int hidden = (int) shape[0];
      boolean bias = c.bias() == null || c.bias();
      MemorySegment w1 = tensor(c.fc1() + ".weight", hidden, fields);
      MemorySegment b1 = bias ? tensor(c.fc1() + ".bias", hidden) : arena.allocate(4L * hidden);
      MemorySegment w2 = tensor(c.fc2() + ".weight", fields, hidden);
      MemorySegment b2 = bias ? tensor(c.fc2() + ".bias", fields) : arena.allocate(4L * fields);
      for (Feature f : features) {
        if (f.dim() == 0) {
          throw bad("needs an embedding of every feature; '" + f.name() + "' is raw only");
        }
      }
      if ("prelu".equals(c.activation()) || "prelu".equals(c.gate())) {
        throw bad("has prelu, which needs a weight tensor; SENet takes activations without weights");
      }
      try {
        return new Senet(fields, hidden, w1, b1, w2, b2,
            Activation.parse(c.activation() == null ? "relu" : c.activation()),
            Activation.parse(c.gate() == null ? "sigmoid" : c.gate()));
      } catch (IllegalArgumentException e) {
        throw bad("has " + e.getMessage());
      }
    }

    private int layers(String at, List<LayerConfig> configs, int in, List<DenseLayer> out)
        throws IOException {
      for (int i = 0; i < configs.size(); i++) {
        where = at + "[" + i + "]";
        DenseLayer l = layer(configs.get(i), in);
        out.add(l);
        in = l.out();
      }
      return in;
    }

    private DenseLayer layer(LayerConfig c, int in) throws IOException {
      if (c.linear() == null) {
        throw bad("has no linear");
      }
      if (c.units() <= 0) {
        throw bad("has units " + c.units() + "; it must be positive");
      }
      int out = c.units();
      MemorySegment w = tensor(c.linear() + ".weight", out, in);
      MemorySegment b = c.bias() == null || c.bias()
          ? tensor(c.linear() + ".bias", out) : arena.allocate(4L * out, 64);
      if (c.batchNorm() != null) {
        fold(c.batchNorm(), c.batchNormEps() == null ? 1e-5 : c.batchNormEps(), w, b, out, in);
      }
      Activation a;
      try {
        a = Activation.parse(c.activation());
      } catch (IllegalArgumentException e) {
        throw bad("has " + e.getMessage());
      }
      if ((a == Activation.PRELU) != (c.prelu() != null)) {
        throw bad("needs activation prelu and a prelu weight tensor together");
      }
      float slope = a == Activation.ELU ? (c.alpha() == null ? 1f : c.alpha().floatValue())
          : c.negativeSlope() == null ? 0.01f : c.negativeSlope().floatValue();
      return new DenseLayer(in, out, w, b, a, slope, prelu(c.prelu(), out), layerNorm(c, out));
    }

    /** {@code nn.PReLU}'s weight: one slope for all outputs, or one per output. */
    private float[] prelu(String name, int out) throws IOException {
      if (name == null) {
        return null;
      }
      long[] shape = shape(name);
      long n = shape.length == 1 && shape[0] == 1 ? 1 : out;
      return tensor(name, n).toArray(ValueLayout.JAVA_FLOAT);
    }

    private LayerNorm layerNorm(LayerConfig c, int out) throws IOException {
      if (c.layerNorm() == null) {
        return null;
      }
      double eps = c.layerNormEps() == null ? 1e-5 : c.layerNormEps();
      return new LayerNorm(tensor(c.layerNorm() + ".weight", out).toArray(ValueLayout.JAVA_FLOAT),
          tensor(c.layerNorm() + ".bias", out).toArray(ValueLayout.JAVA_FLOAT), eps);
    }

    /** Folds eval-mode batch-norm into the preceding linear layer: W' = s W, b' = s (b - mean) + beta. */
    private void fold(String bn, double eps, MemorySegment w, MemorySegment b, int out, int in)
        throws IOException {
      float[] gamma = tensor(bn + ".weight", out).toArray(ValueLayout.JAVA_FLOAT);
      float[] beta = tensor(bn + ".bias", out).toArray(ValueLayout.JAVA_FLOAT);
      float[] mean = tensor(bn + ".running_mean", out).toArray(ValueLayout.JAVA_FLOAT);
      float[] var = tensor(bn + ".running_var", out).toArray(ValueLayout.JAVA_FLOAT);
      for (int o = 0; o < out; o++) {
        double s = gamma[o] / Math.sqrt(var[o] + eps);
        for (int i = 0; i < in; i++) {
          long at = (long) o * in + i;
          w.setAtIndex(ValueLayout.JAVA_FLOAT, at, (float) (w.getAtIndex(ValueLayout.JAVA_FLOAT, at) * s));
        }
        double bo = b.getAtIndex(ValueLayout.JAVA_FLOAT, o);
        b.setAtIndex(ValueLayout.JAVA_FLOAT, o, (float) ((bo - mean[o]) * s + beta[o]));
      }
    }

    private long[] shape(String name) throws IOException {
      SafeTensors.Entry e = tensors.entry(name);
      if (e == null) {
        throw bad("needs tensor '" + name + "', which " + tensors.file() + " lacks");
      }
      return e.shape();
    }

    private MemorySegment tensor(String name, long... shape) throws IOException {
      return tensor(name, TableAllocator.PLAIN, shape);
    }

    private MemorySegment tensor(String name, TableAllocator allocator, long... shape) throws IOException {
      if (name == null) {
        throw bad("names no tensor");
      }
      try {
        return tensors.read(name, shape, arena, allocator);
      } catch (IOException e) {
        throw new IOException(where + ": " + e.getMessage(), e);
      }
    }

    private IOException bad(String what) {
      return new IOException(where + " " + what);
    }
  }
}
