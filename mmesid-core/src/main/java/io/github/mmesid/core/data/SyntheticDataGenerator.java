package io.github.mmesid.core.data;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.SequenceDataset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates a synthetic sequential-recommendation data set, fully determined by its settings and
 * seed.
 *
 * <p>Model: every item belongs to a latent topic and has a latent factor vector near its
 * topic's centre; item popularity is Zipf-like (a random popularity rank per item, weight
 * {@code 1 / rank^s}). Topics follow a Markov chain (stay with probability {@code stay}, else move
 * to one of a few successor topics). A user has a taste vector near the centre of a start topic;
 * each next item is drawn within the current topic with weight popularity x
 * {@code exp(taste . factors / sqrt(r))}, never repeating an item. Each modality embedding is a
 * noisy nonlinear function of the item's factors ({@code tanh(f A + b) + noise}, independent A and
 * b per modality), so the modalities are informative and correlated with each other.
 */
public final class SyntheticDataGenerator {

  private final int users;
  private final int items;
  private final int topics;
  private final int latentDim;
  private final int minLength;
  private final double meanLength;
  private final int maxLength;
  private final double zipfExponent;
  private final double stay;
  private final double noise;
  private final LinkedHashMap<String, Integer> modalities;
  private final long seed;

  private SyntheticDataGenerator(Builder b) {
    this.users = b.users;
    this.items = b.items;
    this.topics = b.topics;
    this.latentDim = b.latentDim;
    this.minLength = b.minLength;
    this.meanLength = b.meanLength;
    this.maxLength = b.maxLength;
    this.zipfExponent = b.zipfExponent;
    this.stay = b.stay;
    this.noise = b.noise;
    this.modalities = new LinkedHashMap<>(b.modalities);
    this.seed = b.seed;
  }

  /**
   * Starts a builder with the defaults: 5000 users, 2000 items, 20 topics, latent dim 16,
   * lengths 5..50 with mean 10, Zipf exponent 1.0, stay 0.6, noise 0.2, modalities
   * {@code collab} (32), {@code text} (64), {@code image} (48), seed 42.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Generates the data set.
   *
   * @return the sequences, catalog and topics
   */
  public SyntheticData generate() {
    SplittableRandom rng = new SplittableRandom(seed);
    int r = latentDim;
    double[][] centres = new double[topics][r];
    for (double[] c : centres) {
      for (int j = 0; j < r; j++) {
        c[j] = rng.nextGaussian(0, 1);
      }
    }
    // items: topic (every topic non-empty), factors, popularity weight
    int[] topic = new int[items + 1];
    topic[0] = -1;
    int[] perm = permutation(items, rng);
    for (int i = 0; i < items; i++) {
      topic[perm[i] + 1] = i % topics;
    }
    double[][] factors = new double[items + 1][r];
    for (int i = 1; i <= items; i++) {
      for (int j = 0; j < r; j++) {
        factors[i][j] = centres[topic[i]][j] + 0.6 * rng.nextGaussian(0, 1);
      }
    }
    double[] popularity = new double[items + 1];
    int[] popRank = permutation(items, rng);
    for (int i = 1; i <= items; i++) {
      popularity[i] = 1.0 / Math.pow(popRank[i - 1] + 1, zipfExponent);
    }
    List<List<Integer>> topicItems = new ArrayList<>();
    for (int t = 0; t < topics; t++) {
      topicItems.add(new ArrayList<>());
    }
    for (int i = 1; i <= items; i++) {
      topicItems.get(topic[i]).add(i);
    }
    // topic Markov chain: stay, else one of up to 3 successors with random weights
    double[][] transition = new double[topics][topics];
    for (int a = 0; a < topics; a++) {
      transition[a][a] = topics == 1 ? 1.0 : stay;
      if (topics == 1) {
        continue;
      }
      int successors = Math.min(3, topics - 1);
      double[] w = new double[successors];
      double sum = 0;
      for (int k = 0; k < successors; k++) {
        w[k] = 0.2 + rng.nextDouble();
        sum += w[k];
      }
      for (int k = 0; k < successors; k++) {
        int b = (a + 1 + rng.nextInt(topics - 1)) % topics;
        transition[a][b] += (1 - stay) * w[k] / sum;
      }
    }
    // sequences
    SequenceDataset.Builder db = SequenceDataset.builder();
    double scale = 1.0 / Math.sqrt(r);
    boolean[] used = new boolean[items + 1];
    double[] taste = new double[r];
    int cap = Math.min(maxLength, items);
    double extraMean = Math.max(0, meanLength - minLength);
    for (int u = 0; u < users; u++) {
      int current = rng.nextInt(topics);
      for (int j = 0; j < r; j++) {
        taste[j] = centres[current][j] + 0.5 * rng.nextGaussian(0, 1);
      }
      int length = minLength;
      if (extraMean > 0) {
        double p = 1.0 / (1.0 + extraMean);
        while (length < cap && rng.nextDouble() > p) {
          length++;
        }
      }
      length = Math.min(length, cap);
      int[] seq = new int[length];
      for (int t = 0; t < length; t++) {
        if (t > 0) {
          current = sample(transition[current], rng);
        }
        int item = drawItem(topicItems.get(current), used, popularity, factors, taste, scale, rng);
        if (item < 0) { // topic exhausted for this user: draw from any topic
          for (int k = 0; k < topics && item < 0; k++) {
            current = (current + 1) % topics;
            item = drawItem(topicItems.get(current), used, popularity, factors, taste, scale, rng);
          }
        }
        seq[t] = item;
        used[item] = true;
      }
      for (int item : seq) {
        used[item] = false;
      }
      db.add(Integer.toString(u + 1), seq);
    }
    SequenceDataset dataset = db.build(items);
    // modalities
    ItemCatalog.Builder cb = ItemCatalog.builder(items);
    for (Map.Entry<String, Integer> m : modalities.entrySet()) {
      int d = m.getValue();
      double[][] a = new double[r][d];
      double[] bias = new double[d];
      for (int j = 0; j < r; j++) {
        for (int k = 0; k < d; k++) {
          a[j][k] = rng.nextGaussian(0, 1) * scale;
        }
      }
      for (int k = 0; k < d; k++) {
        bias[k] = 0.3 * rng.nextGaussian(0, 1);
      }
      float[] data = new float[(items + 1) * d];
      for (int i = 1; i <= items; i++) {
        for (int k = 0; k < d; k++) {
          double z = bias[k];
          for (int j = 0; j < r; j++) {
            z += factors[i][j] * a[j][k];
          }
          data[i * d + k] = (float) (Math.tanh(z) + noise * rng.nextGaussian(0, 1));
        }
      }
      cb.add(m.getKey(), data, d);
    }
    return new SyntheticData(dataset, cb.build(), topic);
  }

  private static int drawItem(List<Integer> candidates, boolean[] used, double[] popularity, double[][] factors,
      double[] taste, double scale, SplittableRandom rng) {
    double[] w = new double[candidates.size()];
    double total = 0;
    for (int c = 0; c < w.length; c++) {
      int item = candidates.get(c);
      if (used[item]) {
        continue;
      }
      double dot = 0;
      for (int j = 0; j < taste.length; j++) {
        dot += taste[j] * factors[item][j];
      }
      w[c] = popularity[item] * Math.exp(Math.min(30, dot * scale));
      total += w[c];
    }
    if (total <= 0) {
      return -1;
    }
    double x = rng.nextDouble() * total;
    int last = -1;
    for (int c = 0; c < w.length; c++) {
      if (w[c] > 0) {
        last = c;
        x -= w[c];
        if (x < 0) {
          return candidates.get(c);
        }
      }
    }
    return candidates.get(last);
  }

  private static int sample(double[] p, SplittableRandom rng) {
    double x = rng.nextDouble();
    int last = 0;
    for (int i = 0; i < p.length; i++) {
      if (p[i] > 0) {
        last = i;
        x -= p[i];
        if (x < 0) {
          return i;
        }
      }
    }
    return last;
  }

  private static int[] permutation(int n, SplittableRandom rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** Settings of the generator; every setter validates its argument. Not thread-safe. */
  public static final class Builder {
    private int users = 5000;
    private int items = 2000;
    private int topics = 20;
    private int latentDim = 16;
    private int minLength = 5;
    private double meanLength = 10;
    private int maxLength = 50;
    private double zipfExponent = 1.0;
    private double stay = 0.6;
    private double noise = 0.2;
    private LinkedHashMap<String, Integer> modalities = new LinkedHashMap<>(Map.of());
    private long seed = 42;

    private Builder() {
      modalities.put("collab", 32);
      modalities.put("text", 64);
      modalities.put("image", 48);
    }

    /**
     * Sets the number of users.
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder users(int n) {
      this.users = atLeast("users", n, 1);
      return this;
    }

    /**
     * Sets the number of items.
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder items(int n) {
      this.items = atLeast("items", n, 1);
      return this;
    }

    /**
     * Sets the number of latent topics.
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder topics(int n) {
      this.topics = atLeast("topics", n, 1);
      return this;
    }

    /**
     * Sets the dimension of the latent item factors.
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder latentDim(int n) {
      this.latentDim = atLeast("latentDim", n, 1);
      return this;
    }

    /**
     * Sets the sequence lengths: each is {@code min} plus a geometric number of extra items, so
     * that the mean is about {@code mean}, capped at {@code max} (and at the item count).
     *
     * @param min the shortest length, at least 1
     * @param mean the mean length, at least {@code min}
     * @param max the longest length, at least {@code min}
     * @return this builder
     */
    public Builder lengths(int min, double mean, int max) {
      atLeast("min length", min, 1);
      if (!(mean >= min) || max < min) {
        throw new IllegalArgumentException(
            "lengths (min " + min + ", mean " + mean + ", max " + max + ") are invalid; need 1 <= min <= mean and min <= max");
      }
      this.minLength = min;
      this.meanLength = mean;
      this.maxLength = max;
      return this;
    }

    /**
     * Sets the Zipf exponent s of item popularity (0 = uniform).
     *
     * @param s 0..5
     * @return this builder
     */
    public Builder zipfExponent(double s) {
      if (!(s >= 0 && s <= 5)) {
        throw new IllegalArgumentException("zipfExponent = " + s + "; allowed 0..5");
      }
      this.zipfExponent = s;
      return this;
    }

    /**
     * Sets the probability that the next item stays in the current topic.
     *
     * @param p 0..1
     * @return this builder
     */
    public Builder stayProbability(double p) {
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("stayProbability = " + p + "; allowed 0..1");
      }
      this.stay = p;
      return this;
    }

    /**
     * Sets the standard deviation of the noise added to modality embeddings.
     *
     * @param sigma 0..10
     * @return this builder
     */
    public Builder noise(double sigma) {
      if (!(sigma >= 0 && sigma <= 10)) {
        throw new IllegalArgumentException("noise = " + sigma + "; allowed 0..10");
      }
      this.noise = sigma;
      return this;
    }

    /**
     * Replaces the modalities.
     *
     * @param namesToDims modality names (non-blank) to dimensions (at least 1), in order; at
     *     least one
     * @return this builder
     */
    public Builder modalities(Map<String, Integer> namesToDims) {
      if (namesToDims.isEmpty()) {
        throw new IllegalArgumentException("at least one modality is needed; got none");
      }
      LinkedHashMap<String, Integer> m = new LinkedHashMap<>();
      for (Map.Entry<String, Integer> e : namesToDims.entrySet()) {
        if (e.getKey() == null || e.getKey().isBlank() || e.getValue() == null || e.getValue() < 1) {
          throw new IllegalArgumentException(
              "modality " + e.getKey() + " -> " + e.getValue() + " is invalid; names must be non-blank and dims >= 1");
        }
        m.put(e.getKey(), e.getValue());
      }
      this.modalities = m;
      return this;
    }

    /**
     * Sets the seed.
     *
     * @param s any value
     * @return this builder
     */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /**
     * Creates the generator.
     *
     * @return the generator
     */
    public SyntheticDataGenerator build() {
      return new SyntheticDataGenerator(this);
    }

    private static int atLeast(String what, int v, int min) {
      if (v < min) {
        throw new IllegalArgumentException(what + " = " + v + "; must be >= " + min);
      }
      return v;
    }
  }
}
