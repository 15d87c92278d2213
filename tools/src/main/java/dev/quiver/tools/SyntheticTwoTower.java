package dev.quiver.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.tower.FeatureHash;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.ModelFingerprint;
import dev.quiver.tower.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A generated two-tower model in the tower runtime's format, with the catalog and the users to
 * go with it: what the demo serves when it has no trained model.
 *
 * <p>Shaped like a trained one. Items embed mostly by their category (256 categories of Zipf
 * popularity), a little by their hashed id and price, so item vectors form clusters of uneven
 * size on a low-dimensional manifold. The user tower shares the item tower's dense layers on its
 * "interests" slice, whose embedding rows are the item categories' rows: a user's vector is the
 * tower's image of the mean of a few categories, close to items of those categories but off the
 * item manifold, as user vectors are. Two heads (click, like) apply different near-identity maps.
 * {@link #write} with a {@code drift} gives the next hour's model: every weight moved a little.
 */
public final class SyntheticTwoTower {
  /** Item categories. */
  public static final int CATEGORIES = 256;
  /** Output dimension of both towers. */
  public static final int DIM = 32;
  /** First item id of the catalog: item {@code i} has id {@code FIRST_ITEM_ID + i}. */
  public static final long FIRST_ITEM_ID = 1_000_000L;

  private static final int ID_BUCKETS = 65_536;
  private static final int INTEREST_BUCKETS = 1_024;
  private static final int CAT_DIM = 16;
  private static final int ID_DIM = 8;
  private static final int SMALL_DIM = 4;
  private static final int HIDDEN = 64;
  private static final double[] PRICES = {2, 5, 10, 20, 50, 100};
  private static final double[] AGES = {18, 25, 35, 50, 65};
  private static final String[] COUNTRIES = {"us", "fr", "de", "jp", "br", "in", "cn", "gb"};

  private SyntheticTwoTower() {}

  /**
   * Writes {@code model.json} and {@code model.safetensors} into {@code dir}: the model of seed
   * {@code seed}, each weight moved by {@code drift} times its tensor's scale in Gaussian noise of
   * seed {@code driftSeed} (0 drift: the base model). Returns the model's fingerprint.
   */
  public static String write(Path dir, long seed, double drift, long driftSeed) throws IOException {
    Files.createDirectories(dir);
    Weights w = new Weights(seed, drift, driftSeed);
    SafeTensorsWriter t = new SafeTensorsWriter();
    t.add("item.embeddings.category.weight", w.category, CATEGORIES + 1, CAT_DIM);
    t.add("item.embeddings.item_id.weight", w.itemId, ID_BUCKETS, ID_DIM);
    t.add("item.embeddings.price.weight", w.price, PRICES.length + 1, SMALL_DIM);
    t.add("item.mlp.0.weight", w.l1, HIDDEN, CAT_DIM + ID_DIM + SMALL_DIM);
    t.add("item.mlp.0.bias", w.b1, HIDDEN);
    t.add("item.mlp.2.weight", w.l2, DIM, HIDDEN);
    t.add("item.mlp.2.bias", w.b2, DIM);
    t.add("user.embeddings.interests.weight", w.interests, INTEREST_BUCKETS, CAT_DIM);
    t.add("user.embeddings.user_id.weight", w.userId, ID_BUCKETS, ID_DIM);
    t.add("user.embeddings.age.weight", w.age, AGES.length + 1, SMALL_DIM);
    t.add("user.embeddings.country.weight", w.country, COUNTRIES.length + 1, SMALL_DIM);
    t.add("user.mlp.0.weight", w.u1, HIDDEN, CAT_DIM + ID_DIM + 2 * SMALL_DIM);
    t.add("user.mlp.0.bias", w.b1, HIDDEN);
    t.add("user.mlp.2.weight", w.l2, DIM, HIDDEN);
    t.add("user.mlp.2.bias", w.b2, DIM);
    t.add("user.heads.click.0.weight", w.click, DIM, DIM);
    t.add("user.heads.like.0.weight", w.like, DIM, DIM);
    t.write(dir.resolve(ModelFingerprint.WEIGHTS));
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve(ModelFingerprint.CONFIG).toFile(), config());
    return ModelFingerprint.of(dir);
  }

  /** Fills {@code row} (an item tower row) with the features of catalog item {@code i}. */
  public static void item(long seed, int i, FeatureRow row) {
    SplittableRandom rnd = new SplittableRandom(Rows.mix(seed, 11, i));
    row.clear();
    row.setCategorical("category", "c" + zipf(rnd));
    row.setId("item_id", FIRST_ITEM_ID + i);
    row.setNumeric("price", Math.exp(1 + 1.2 * rnd.nextGaussian()));
  }

  /** Fills {@code row} (a user tower row) with the features of user {@code u}. */
  public static void user(long seed, long u, FeatureRow row) {
    SplittableRandom rnd = new SplittableRandom(Rows.mix(seed, 12, u));
    row.clear();
    row.setId("user_id", u);
    int interests = 1 + rnd.nextInt(4);
    for (int k = 0; k < interests; k++) {
      row.addId("interests", "c" + zipf(rnd));
    }
    row.setNumeric("age", 18 + rnd.nextInt(52));
    if (rnd.nextInt(10) > 0) { // some users never said where they live
      row.setCategorical("country", COUNTRIES[rnd.nextInt(COUNTRIES.length)]);
    }
  }

  /** A category by Zipf popularity (exponent 1): category c with probability ~ 1 / (c + 1). */
  private static int zipf(SplittableRandom rnd) {
    double hMax = Math.log(CATEGORIES + 1.0);
    return Math.min(CATEGORIES - 1, (int) Math.floor(Math.exp(rnd.nextDouble() * hMax)) - 1);
  }

  private static ObjectNode config() {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("format", "quiver-tower").put("version", 1);
    ObjectNode towers = root.putObject("towers");
    ObjectNode item = towers.putObject("item");
    ArrayNode itemFeatures = item.putArray("features");
    categorical(itemFeatures.addObject(), "category", "item.embeddings.category.weight", CAT_DIM, vocabulary());
    itemFeatures.addObject().put("name", "item_id").put("type", "id")
        .put("embedding", "item.embeddings.item_id.weight").put("dim", ID_DIM).put("buckets", ID_BUCKETS);
    numeric(itemFeatures.addObject(), "price", "item.embeddings.price.weight", PRICES);
    layers(item.putArray("layers"), "item");
    item.putArray("heads").addObject().put("name", "item").put("l2_normalize", true).putArray("layers");
    ObjectNode user = towers.putObject("user");
    ArrayNode userFeatures = user.putArray("features");
    userFeatures.addObject().put("name", "interests").put("type", "id")
        .put("embedding", "user.embeddings.interests.weight").put("dim", CAT_DIM)
        .put("buckets", INTEREST_BUCKETS).put("multi_valued", true).put("pooling", "mean");
    userFeatures.addObject().put("name", "user_id").put("type", "id")
        .put("embedding", "user.embeddings.user_id.weight").put("dim", ID_DIM).put("buckets", ID_BUCKETS);
    numeric(userFeatures.addObject(), "age", "user.embeddings.age.weight", AGES);
    categorical(userFeatures.addObject(), "country", "user.embeddings.country.weight", SMALL_DIM, COUNTRIES);
    layers(user.putArray("layers"), "user");
    ArrayNode heads = user.putArray("heads");
    for (String head : new String[] {"click", "like"}) {
      ObjectNode h = heads.addObject().put("name", head).put("l2_normalize", true);
      h.putArray("layers").addObject().put("linear", "user.heads." + head + ".0").put("units", DIM)
          .put("bias", false);
    }
    return root;
  }

  private static void layers(ArrayNode layers, String tower) {
    layers.addObject().put("linear", tower + ".mlp.0").put("units", HIDDEN).put("activation", "relu");
    layers.addObject().put("linear", tower + ".mlp.2").put("units", DIM);
  }

  private static void categorical(ObjectNode f, String name, String table, int dim, String[] vocabulary) {
    f.put("name", name).put("type", "categorical").put("embedding", table).put("dim", dim);
    ArrayNode v = f.putArray("vocabulary");
    for (String s : vocabulary) {
      v.add(s);
    }
  }

  private static void numeric(ObjectNode f, String name, String table, double[] boundaries) {
    f.put("name", name).put("type", "numeric").put("embedding", table).put("dim", SMALL_DIM);
    ArrayNode b = f.putArray("boundaries");
    for (double x : boundaries) {
      b.add(x);
    }
    f.put("right", true); // the bucket counts boundaries at or below the value
  }

  private static String[] vocabulary() {
    String[] v = new String[CATEGORIES];
    for (int c = 0; c < CATEGORIES; c++) {
      v[c] = "c" + c;
    }
    return v;
  }

  /** Every tensor of the model, drawn from the seed, then drifted. */
  private static final class Weights {
    final float[] category;
    final float[] itemId;
    final float[] price;
    final float[] l1;
    final float[] b1;
    final float[] l2;
    final float[] b2;
    final float[] interests;
    final float[] userId;
    final float[] age;
    final float[] country;
    final float[] u1;
    final float[] click;
    final float[] like;

    Weights(long seed, double drift, long driftSeed) {
      SplittableRandom rnd = new SplittableRandom(seed);
      SplittableRandom noise = new SplittableRandom(driftSeed);
      category = gaussian(rnd, (CATEGORIES + 1) * CAT_DIM, 1.0);
      java.util.Arrays.fill(category, 0, CAT_DIM, 0f); // the out-of-vocabulary row
      itemId = gaussian(rnd, ID_BUCKETS * ID_DIM, 0.6);
      price = gaussian(rnd, (PRICES.length + 1) * SMALL_DIM, 0.3);
      int itemIn = CAT_DIM + ID_DIM + SMALL_DIM;
      l1 = gaussian(rnd, HIDDEN * itemIn, Math.sqrt(2.0 / itemIn));
      b1 = gaussian(rnd, HIDDEN, 0.1);
      l2 = gaussian(rnd, DIM * HIDDEN, Math.sqrt(1.0 / HIDDEN));
      b2 = gaussian(rnd, DIM, 0.05);
      interests = gaussian(rnd, INTEREST_BUCKETS * CAT_DIM, 0.1);
      userId = gaussian(rnd, ID_BUCKETS * ID_DIM, 0.3);
      age = gaussian(rnd, (AGES.length + 1) * SMALL_DIM, 0.2);
      country = gaussian(rnd, (COUNTRIES.length + 1) * SMALL_DIM, 0.2);
      int userIn = CAT_DIM + ID_DIM + 2 * SMALL_DIM;
      u1 = gaussian(rnd, HIDDEN * userIn, Math.sqrt(2.0 / userIn) * 0.5);
      click = nearIdentity(rnd, 0.2);
      like = nearIdentity(rnd, 0.4);
      for (float[] t : new float[][] {category, itemId, price, l1, b1, l2, b2, interests, userId, age, country, u1, click, like}) {
        drift(t, drift, noise);
      }
      for (int c = 0; c < CATEGORIES; c++) {
        // A user interested in category c starts from the item embedding of c.
        int row = (int) FeatureHash.bucket(FeatureHash.hash("c" + c), INTEREST_BUCKETS);
        System.arraycopy(category, (c + 1) * CAT_DIM, interests, row * CAT_DIM, CAT_DIM);
      }
      for (int h = 0; h < HIDDEN; h++) {
        // The interests slice reads through the item tower's first layer.
        System.arraycopy(l1, h * itemIn, u1, h * userIn, CAT_DIM);
      }
    }

    private static float[] gaussian(SplittableRandom rnd, int n, double scale) {
      float[] a = new float[n];
      for (int i = 0; i < n; i++) {
        a[i] = (float) (scale * rnd.nextGaussian());
      }
      return a;
    }

    private static float[] nearIdentity(SplittableRandom rnd, double noise) {
      float[] m = gaussian(rnd, DIM * DIM, noise / Math.sqrt(DIM));
      for (int i = 0; i < DIM; i++) {
        m[i * DIM + i] += 1f;
      }
      return m;
    }

    private static void drift(float[] t, double drift, SplittableRandom noise) {
      if (drift == 0) {
        return;
      }
      double sq = 0;
      for (float v : t) {
        sq += v * v;
      }
      double scale = drift * Math.sqrt(sq / t.length);
      for (int i = 0; i < t.length; i++) {
        t[i] += (float) (scale * noise.nextGaussian());
      }
    }
  }
}
