package io.github.mmesid.llm.sasrec;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.LengthBatches;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import io.github.mmesid.core.io.safetensors.SafetensorsReader;
import io.github.mmesid.core.io.safetensors.SafetensorsWriter;
import io.github.mmesid.core.io.safetensors.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained SASRec model as a {@link SequentialRecommender}: scores every item for the next
 * interaction with one ONNX Runtime inference session.
 *
 * <p>A history is stripped of padding zeros and cut to its most recent {@code maxLen} items;
 * batches are left-padded to their longest (cut) history, which does not change the scores (the
 * model is invariant to left padding). An empty history is scored from an all-padding window
 * (finite, but carrying no information). {@link #topK} never returns history items (see {@link
 * SequentialRecommender}).
 *
 * <p>Thread-safe: the session's {@code run} is thread-safe and everything else is immutable.
 * Holds native resources until {@link #close()} (idempotent).
 */
public final class SasRecRecommender implements SequentialRecommender {
  /** Value of the {@code format} metadata entry of a saved model. */
  public static final String FORMAT = "mmesid-sasrec";
  /**
   * Version of the saved-model format: 2 (snake_case metadata keys {@code format_version},
   * {@code num_items} and config keys). Version 1 files (camelCase keys) are still read.
   */
  public static final int FORMAT_VERSION = 2;
  /** Histories scored per inference run in {@link #scores(List)}. */
  public static final int SCORING_BATCH = 256;

  private final SasRecConfig config;
  private final int numItems;
  private final ParameterSnapshot parameters;
  private final Predictor predictor;
  private volatile boolean closed;

  private SasRecRecommender(SasRecConfig config, int numItems, ParameterSnapshot parameters,
      RuntimeOptions options) {
    this.config = config;
    this.numItems = numItems;
    this.parameters = parameters;
    Tensor scores = scoringGraph(config, parameters);
    this.predictor = Predictor.create(scores.graph(), Map.of(SasRecNet.SCORES, scores), parameters,
        options);
  }

  /** The scoring graph's output (package-private: the kernel audit exports it). */
  static Tensor scoringGraph(SasRecConfig config, ParameterSnapshot parameters) {
    Graph g = new Graph("sasrec_scores", parameters.get(SasRecNet.ITEM_EMB).dtype());
    Map<String, Tensor> p = SasRecNet.declare(g, parameters.values());
    Tensor items = g.input(SasRecNet.ITEMS, DType.INT64, Shape.mixed(SasRecNet.B, SasRecNet.T));
    return SasRecNet.scores(items, p, config);
  }

  /**
   * Creates a recommender from trained parameters.
   *
   * @param config the configuration the parameters were trained with
   * @param numItems N
   * @param parameters all parameters of the model (names and shapes as the trainer makes them)
   * @param options ONNX Runtime options of the inference session
   * @return the recommender (to be closed)
   * @throws IllegalArgumentException if a parameter is missing, has the wrong shape or type, or
   *     holds NaN or infinity ({@link Finite.NonFiniteException} naming it)
   */
  public static SasRecRecommender create(SasRecConfig config, int numItems,
      ParameterSnapshot parameters, RuntimeOptions options) {
    if (numItems < 1) {
      throw new IllegalArgumentException("numItems = " + numItems + "; need N >= 1");
    }
    Map<String, TensorData> values = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : SasRecNet.shapes(config, numItems).entrySet()) {
      if (!parameters.names().contains(e.getKey())) {
        throw new IllegalArgumentException("SASRec parameter '" + e.getKey() + "' is missing; "
            + "expected shape " + Arrays.toString(e.getValue()));
      }
      TensorData d = parameters.get(e.getKey());
      if (!Arrays.equals(d.shape(), e.getValue())
          || (d.dtype() != DType.FLOAT32 && d.dtype() != DType.FLOAT64)) {
        throw new IllegalArgumentException("SASRec parameter '" + e.getKey() + "' is " + d.dtype()
            + Arrays.toString(d.shape()) + "; expected FLOAT32 or FLOAT64 "
            + Arrays.toString(e.getValue()) + " for " + config + " over " + numItems + " items");
      }
      if (d.dtype() == DType.FLOAT32) {
        Finite.check(d.bytes().asFloatBuffer(), d.shape(), "SASRec parameter '" + e.getKey() + "'");
      } else {
        Finite.check(d.bytes().asDoubleBuffer(), d.shape(), "SASRec parameter '" + e.getKey() + "'");
      }
      values.put(e.getKey(), d);
    }
    return new SasRecRecommender(config, numItems, new ParameterSnapshot(values),
        options == null ? RuntimeOptions.defaults() : options);
  }

  /**
   * Creates a recommender with the seeded initial (untrained) parameters of a configuration:
   * meaningless scores with the real model's cost, for benchmarks and smoke tests.
   *
   * @param config the configuration (its seed selects the values)
   * @param numItems N
   * @param options ONNX Runtime options (null: defaults)
   * @return the recommender (to be closed)
   */
  public static SasRecRecommender untrained(SasRecConfig config, int numItems,
      RuntimeOptions options) {
    if (numItems < 1) {
      throw new IllegalArgumentException("numItems = " + numItems + "; need N >= 1");
    }
    return create(config, numItems, new ParameterSnapshot(
        SasRecNet.initialValues(config, numItems, DType.FLOAT32)), options);
  }

  @Override
  public int numItems() {
    return numItems;
  }

  /**
   * Returns the configuration.
   *
   * @return the configuration
   */
  public SasRecConfig config() {
    return config;
  }

  /**
   * Returns the trained parameters.
   *
   * @return the parameter snapshot (immutable)
   */
  public ParameterSnapshot parameters() {
    return parameters;
  }

  @Override
  public float[] scores(int[] history) {
    return scores(List.of(history))[0];
  }

  @Override
  public float[][] scores(List<int[]> histories) {
    if (closed) {
      throw new IllegalStateException("this SasRecRecommender is closed");
    }
    int n = histories.size();
    int[][] cut = new int[n][];
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      int[] h = histories.get(i);
      SequentialRecommender.validateHistory(h, numItems);
      cut[i] = SequentialRecommender.recentItems(h, config.maxLen());
      lengths[i] = cut[i].length;
    }
    // one run per length (Beauty's mean history is 9 of 50 positions): no padding work, and a
    // user's scores do not depend on the other histories of the call
    float[][] out = new float[n][];
    for (int[] run : LengthBatches.of(lengths, SCORING_BATCH)) {
      scoreRun(cut, run, out);
    }
    return out;
  }

  /** Scores {@code cut[run[..]]}, all of one length, into {@code out}. */
  private void scoreRun(int[][] cut, int[] run, float[][] out) {
    int b = run.length;
    int t = Math.max(1, cut[run[0]].length);
    long[] items = new long[b * t];
    for (int i = 0; i < b; i++) {
      int[] c = cut[run[i]];
      int off = i * t + t - c.length;
      for (int j = 0; j < c.length; j++) {
        items[off + j] = c[j];
      }
    }
    try (HostTensor in = HostTensor.of(items, b, t);
        RunOutputs res = predictor.run(Map.of(SasRecNet.ITEMS, in))) {
      FloatBuffer s = res.get(SasRecNet.SCORES).floatView();
      int w = numItems + 1;
      for (int i = 0; i < b; i++) {
        float[] row = new float[w];
        s.get(i * w, row);
        Finite.check(row, "SASRec scores of history " + run[i]);
        out[run[i]] = row;
      }
    }
  }

  /**
   * Returns the item embedding table (row = item id, row 0 = padding), the collaborative modality
   * of MME-SID.
   *
   * @return {@code [N + 1][dim]} float values (a copy)
   */
  public float[][] itemEmbeddings() {
    float[] flat = parameters.get(SasRecNet.ITEM_EMB).toFloats();
    int d = config.dim();
    float[][] m = new float[numItems + 1][];
    for (int i = 0; i <= numItems; i++) {
      m[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
    }
    return m;
  }

  /**
   * Writes the item embedding table as a float32 {@code .npy} of shape {@code (N + 1, dim)}, row
   * = item id, row 0 = padding; atomically.
   *
   * @param file the target file
   * @throws java.io.UncheckedIOException if writing fails
   */
  public void exportItemEmbeddings(Path file) {
    float[] flat = parameters.get(SasRecNet.ITEM_EMB).toFloats();
    Npy.write(file, NpyArray.ofFloats(flat, numItems + 1, config.dim()));
  }

  /**
   * Saves the model as one safetensors file (float32 parameters; the configuration and item count
   * in its metadata), atomically.
   *
   * @param file the target file, e.g. {@code sasrec.safetensors}
   * @throws java.io.UncheckedIOException if writing fails
   */
  public void save(Path file) {
    SafetensorsWriter w = new SafetensorsWriter();
    w.putMetadata("format", FORMAT);
    w.putMetadata("format_version", Integer.toString(FORMAT_VERSION));
    w.putMetadata("num_items", Integer.toString(numItems));
    w.putMetadata("config", config.toJson());
    for (String name : SasRecNet.shapes(config, numItems).keySet()) {
      TensorData d = parameters.get(name);
      w.addFloat32(name, d.shape(), d.toFloats());
    }
    w.write(file);
  }

  /**
   * Loads a model written by {@link #save(Path)}.
   *
   * @param file the safetensors file
   * @param options ONNX Runtime options of the inference session (null: defaults)
   * @return the recommender (to be closed)
   * @throws IllegalArgumentException if the file is not a SASRec model of this format, naming the
   *     file and what is wrong
   * @throws java.io.UncheckedIOException if reading fails
   */
  public static SasRecRecommender load(Path file, RuntimeOptions options) {
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      Map<String, String> meta = r.metadata();
      if (!FORMAT.equals(meta.get("format"))) {
        throw new IllegalArgumentException(file + " is not a SASRec model: metadata format = "
            + meta.get("format") + "; expected " + FORMAT);
      }
      boolean v1 = "1".equals(meta.get("formatVersion"));
      String version = v1 ? "1" : meta.get("format_version");
      if (!v1 && !Integer.toString(FORMAT_VERSION).equals(version)) {
        throw new IllegalArgumentException(file + ": SASRec format version " + version
            + " is not supported; allowed: 1, " + FORMAT_VERSION);
      }
      String items = meta.get(v1 ? "numItems" : "num_items");
      int n;
      try {
        n = Integer.parseInt(String.valueOf(items));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(file + ": metadata num_items = " + items
            + " is not an integer", e);
      }
      if (n < 1 || n > 100_000_000) {
        throw new IllegalArgumentException(file + ": metadata num_items = " + n
            + "; allowed 1..100000000");
      }
      String configJson = meta.get("config");
      if (v1 && configJson != null) {
        configJson = v1ConfigJson(configJson, file + " metadata config");
      }
      SasRecConfig config = SasRecConfig.fromJson(configJson, file + " metadata config");
      Map<String, long[]> shapes = SasRecNet.shapes(config, n);
      if (!r.names().equals(new java.util.TreeSet<>(shapes.keySet()))) {
        List<String> missing = new ArrayList<>(shapes.keySet());
        missing.removeAll(r.names());
        List<String> extra = new ArrayList<>(r.names());
        extra.removeAll(shapes.keySet());
        throw new IllegalArgumentException(file + ": tensors do not match " + config + " over "
            + n + " items; missing " + missing + ", unexpected " + extra);
      }
      Map<String, TensorData> values = new LinkedHashMap<>();
      for (Map.Entry<String, long[]> e : shapes.entrySet()) {
        TensorInfo t = r.tensor(e.getKey());
        if (!Arrays.equals(t.shape(), e.getValue())) {
          throw new IllegalArgumentException(file + ": tensor " + e.getKey() + " has shape "
              + Arrays.toString(t.shape()) + "; expected " + Arrays.toString(e.getValue()));
        }
        float[] v = r.readFloat32(e.getKey());
        Finite.check(v, e.getValue(), file + ": tensor '" + e.getKey() + "'");
        values.put(e.getKey(), TensorData.ofFloats(e.getValue(), v));
      }
      return create(config, n, new ParameterSnapshot(values), options);
    }
  }

  /** Format 1 wrote camelCase keys and a "threads" setting (now a run option). */
  private static String v1ConfigJson(String json, String source) {
    com.fasterxml.jackson.databind.node.ObjectNode out = Json.mapper().createObjectNode();
    Json.parse(json, source).fields().forEachRemaining(e -> {
      if (!e.getKey().equals("threads")) {
        out.set(Json.snakeCase(e.getKey()), e.getValue());
      }
    });
    return out.toString();
  }

  /** Closes the inference session; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      predictor.close();
    }
  }

  /** Returns the configuration and item count. */
  @Override
  public String toString() {
    return "SasRecRecommender[" + config + ", items=" + numItems + "]";
  }
}
