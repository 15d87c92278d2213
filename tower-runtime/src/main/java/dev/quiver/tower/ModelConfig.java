package dev.quiver.tower;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The parsed {@value ModelFingerprint#CONFIG} of a model directory: both towers' features,
 * layers and heads, with tensors named as in {@value ModelFingerprint#WEIGHTS}. The format is
 * documented with a complete example in docs/TOWER.md. Immutable.
 *
 * @param format always {@value #FORMAT}
 * @param version the format version, {@value #VERSION}
 * @param towers the towers by name: {@code user} and {@code item}
 */
public record ModelConfig(String format, int version, Map<String, TowerConfig> towers) {
  public static final String FORMAT = "quiver-tower";
  public static final int VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public ModelConfig {
    towers = towers == null ? Map.of() : Map.copyOf(towers);
  }

  /** Reads and checks the structure of a config file (tensors are checked when the model loads). */
  public static ModelConfig read(Path file) throws IOException {
    ModelConfig c;
    try {
      c = JSON.readValue(file.toFile(), ModelConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new IOException(file + ": unknown key '" + e.getPropertyName() + "' at " + path(e)
          + "; known keys there: " + e.getKnownPropertyIds(), e);
    } catch (MismatchedInputException e) {
      throw new IOException(file + ": " + e.getOriginalMessage().replaceAll(" \\(class [^)]*\\)", "")
          + " at " + path(e), e);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IOException(file + ": " + e.getOriginalMessage(), e);
    }
    if (!FORMAT.equals(c.format) || c.version != VERSION) {
      throw new IOException(file + ": format '" + c.format + "' version " + c.version
          + "; expected '" + FORMAT + "' version " + VERSION);
    }
    for (String name : List.of("user", "item")) {
      if (!c.towers.containsKey(name)) {
        throw new IOException(file + ": towers." + name + " is missing");
      }
    }
    return c;
  }

  /** The config path of an error, as the loader names places: {@code towers.user.features[2].right}. */
  private static String path(MismatchedInputException e) {
    StringBuilder p = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        p.append(p.isEmpty() ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        p.append('[').append(r.getIndex()).append(']');
      }
    }
    return p.isEmpty() ? "the top level" : p.toString();
  }

  /** The tower called {@code name}. */
  public TowerConfig tower(String name) {
    TowerConfig t = towers.get(name);
    if (t == null) {
      throw new IllegalArgumentException("No tower '" + name + "'; the model has " + towers.keySet());
    }
    return t;
  }

  /**
   * One tower: features, an optional SENet block over the feature embeddings, shared layers
   * and one or more heads.
   */
  public record TowerConfig(List<FeatureConfig> features, SenetConfig senet,
                            List<LayerConfig> layers, List<HeadConfig> heads) {
    public TowerConfig {
      features = features == null ? List.of() : List.copyOf(features);
      layers = layers == null ? List.of() : List.copyOf(layers);
      heads = heads == null ? List.of() : List.copyOf(heads);
    }
  }

  /**
   * One raw feature and its embedding table ({@code embedding}, a tensor of shape
   * [rows, dim]).
   *
   * @param type {@code id}, {@code numeric} or {@code categorical}
   * @param buckets id features: hash buckets, the table's rows
   * @param multiValued id features: whether a row may hold several values, pooled by {@code pooling}
   * @param pooling {@code sum}, {@code mean}, {@code max} or {@code sqrtn}
   * @param boundaries numeric features: increasing bucket boundaries; the table has one row more
   * @param right numeric features: {@code torch.bucketize}'s {@code right} (default false)
   * @param transform numeric features: steps applied to the value before bucketing and raw
   * @param raw numeric features: when set, the normalised value follows the embedding
   * @param vocabulary categorical features: the known values; row 0 of the table is out-of-vocabulary
   * @param missingBucket the table row used when the value is missing; null gives a zero vector
   */
  public record FeatureConfig(String name, String type, String embedding, int dim,
                              Long buckets, Boolean multiValued, String pooling,
                              List<Double> boundaries, Boolean right, List<TransformConfig> transform,
                              RawConfig raw, List<String> vocabulary, Long missingBucket) {}

  /**
   * One step of a numeric transform: {@code op} {@code log1p}, {@code clip} (to [min, max]) or
   * {@code standardize} ({@code (v - mean) / std}).
   */
  public record TransformConfig(String op, Double min, Double max, Double mean, Double std) {}

  /**
   * Normalisation of a numeric feature passed on raw: {@code (value - mean) / std} (defaults 0
   * and 1); missing gives 0.
   */
  public record RawConfig(Double mean, Double std) {
    public RawConfig {
      mean = mean == null ? 0.0 : mean;
      std = std == null ? 1.0 : std;
    }
  }

  /**
   * Squeeze-and-excitation over the feature embeddings: the mean of each field's embedding goes
   * through {@code fc1}, {@code activation}, {@code fc2} and {@code gate}, and each field's
   * embedding is scaled by its gate.
   */
  public record SenetConfig(String fc1, String fc2, String activation, String gate, Boolean bias) {}

  /**
   * A dense layer: {@code linear}.weight [units, in] and .bias [units]; then the optional
   * eval-mode batch-norm {@code batchNorm}.weight/.bias/.running_mean/.running_var (folded into
   * the linear layer at load); then the optional {@code layerNorm}.weight/.bias; then the
   * activation ({@code negativeSlope} for leaky_relu, {@code alpha} for elu, the tensor
   * {@code prelu} for prelu).
   */
  public record LayerConfig(String linear, int units, Boolean bias, String batchNorm,
                            Double batchNormEps, String layerNorm, Double layerNormEps,
                            String activation, Double negativeSlope, Double alpha, String prelu) {}

  /**
   * An output head: its own layers after the shared ones, then optional L2 normalisation, then
   * division by the temperature: a constant, a one-element tensor {@code temperatureTensor}, or
   * {@code exp} of a one-element tensor {@code logitScale} multiplying (as CLIP stores it).
   */
  public record HeadConfig(String name, List<LayerConfig> layers, Boolean l2Normalize,
                           Double temperature, String temperatureTensor, String logitScale) {
    public HeadConfig {
      layers = layers == null ? List.of() : List.copyOf(layers);
    }
  }
}
