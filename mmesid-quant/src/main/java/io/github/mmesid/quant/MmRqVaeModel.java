package io.github.mmesid.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mmesid.core.Finite;
import io.github.mmesid.core.io.AtomicFiles;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.core.io.safetensors.SafetensorsFile;
import io.github.mmesid.core.io.safetensors.SafetensorsWriter;
import io.github.mmesid.core.io.safetensors.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A trained MM-RQ-VAE: its settings, its modalities (name and input dimension) and all
 * parameters. Gives one {@link RqQuantizer} per modality (created on first use, closed with the
 * model) and saves / loads itself as a directory holding {@value #WEIGHTS_FILE} and the JSON
 * manifest {@value #MANIFEST_FILE} (format version {@value #FORMAT_VERSION}).
 *
 * <p>Thread-safe. Owns native sessions once a quantizer was requested; close it when done
 * ({@link #close()} is idempotent).
 */
public final class MmRqVaeModel implements AutoCloseable {

  /** The manifest's file name. */
  public static final String MANIFEST_FILE = "mmrqvae.json";
  /** The parameters' file name. */
  public static final String WEIGHTS_FILE = "mmrqvae.safetensors";
  /** The format version this code writes and reads. */
  public static final int FORMAT_VERSION = 1;
  /** The largest manifest accepted when loading. */
  public static final long MAX_MANIFEST_BYTES = 1 << 20;

  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

  private final RqVaeNetwork net;
  private final Map<String, TensorData> params;
  private final RuntimeOptions runtime;
  private final Map<String, RqQuantizer> quantizers = new LinkedHashMap<>();
  private boolean closed;

  MmRqVaeModel(MmRqVaeConfig config, List<String> names, int[] dims, Map<String, TensorData> params,
      RuntimeOptions runtime) {
    this.net = new RqVaeNetwork(config, names, dims);
    Map<String, long[]> shapes = net.parameterShapes();
    Map<String, TensorData> copy = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      TensorData v = params.get(e.getKey());
      if (v == null) {
        throw new IllegalArgumentException("MM-RQ-VAE parameter '" + e.getKey() + "' is missing; expected "
            + shapes.keySet());
      }
      if (v.dtype() != DType.FLOAT32 || !Arrays.equals(v.shape(), e.getValue())) {
        throw new IllegalArgumentException("MM-RQ-VAE parameter '" + e.getKey() + "' is " + v.dtype()
            + Arrays.toString(v.shape()) + "; expected FLOAT32" + Arrays.toString(e.getValue()));
      }
      Finite.check(v.bytes().asFloatBuffer(), v.shape(), "MM-RQ-VAE parameter '" + e.getKey() + "'");
      copy.put(e.getKey(), v);
    }
    this.params = Collections.unmodifiableMap(copy);
    this.runtime = runtime;
  }

  /**
   * Checks a modality name: 1 to 64 characters, a letter then letters, digits, '_' or '-'.
   *
   * @param name the name
   * @return the name
   * @throws IllegalArgumentException if it is not allowed
   */
  static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("modality name '" + name + "' is not allowed; use 1-64 characters: "
          + "a letter, then letters, digits, '_' or '-'");
    }
    return name;
  }

  /**
   * Returns the settings the model was trained with.
   *
   * @return the configuration
   */
  public MmRqVaeConfig config() {
    return net.config();
  }

  /**
   * Returns the modality names, in training order.
   *
   * @return an unmodifiable list
   */
  public List<String> modalities() {
    return net.names();
  }

  /**
   * Returns a modality's input dimension.
   *
   * @param modality the name
   * @return d
   * @throws IllegalArgumentException if there is no such modality
   */
  public int inputDim(String modality) {
    return net.dim(index(modality));
  }

  /**
   * Returns all parameter values by name (encoder, decoder and codebooks of every modality).
   *
   * @return an unmodifiable map
   */
  public Map<String, TensorData> parameters() {
    return params;
  }

  /**
   * Returns the quantizer of one modality (created on first use and owned by this model).
   *
   * @param modality the name
   * @return the quantizer
   * @throws IllegalArgumentException if there is no such modality
   * @throws IllegalStateException if the model is closed
   */
  public synchronized RqQuantizer quantizer(String modality) {
    if (closed) {
      throw new IllegalStateException("MM-RQ-VAE model is closed");
    }
    int mi = index(modality);
    return quantizers.computeIfAbsent(modality, m -> new RqQuantizer(net, params, mi, runtime));
  }

  /**
   * Returns one modality's codebooks, the code embeddings an LLM can be initialised from.
   *
   * @param modality the name
   * @return {@code [L][K][e_dim]}
   * @throws IllegalArgumentException if there is no such modality
   */
  public float[][][] codebooks(String modality) {
    index(modality);
    MmRqVaeConfig cfg = config();
    int e = cfg.latentDim();
    float[][][] out = new float[cfg.levels()][cfg.codebookSize()][e];
    for (int l = 0; l < cfg.levels(); l++) {
      float[] flat = params.get(RqVaeNetwork.codebook(modality, l)).toFloats();
      for (int k = 0; k < cfg.codebookSize(); k++) {
        System.arraycopy(flat, k * e, out[l][k], 0, e);
      }
    }
    return out;
  }

  private int index(String modality) {
    int i = net.names().indexOf(modality);
    if (i < 0) {
      throw new IllegalArgumentException("unknown modality '" + modality + "'; this model has " + net.names());
    }
    return i;
  }

  // ------------------------------------------------------------------ save / load

  /**
   * Saves the model into a directory (created if missing): the parameters first, then the
   * manifest, each written atomically, so a directory with a manifest always holds a complete
   * model.
   *
   * @param dir the directory
   * @throws UncheckedIOException if writing fails
   */
  public void save(Path dir) {
    SafetensorsWriter w = new SafetensorsWriter();
    w.putMetadata("format", "mmesid-mmrqvae");
    w.putMetadata("format_version", Integer.toString(FORMAT_VERSION));
    for (Map.Entry<String, TensorData> e : params.entrySet()) {
      w.addFloat32(e.getKey(), e.getValue().shape(), e.getValue().toFloats());
    }
    w.write(dir.resolve(WEIGHTS_FILE));
    ObjectMapper om = new ObjectMapper();
    ObjectNode root = om.createObjectNode();
    root.put("format", "mmesid-mmrqvae");
    root.put("format_version", FORMAT_VERSION);
    ArrayNode mods = root.putArray("modalities");
    for (int i = 0; i < net.names().size(); i++) {
      ObjectNode m = mods.addObject();
      m.put("name", net.names().get(i));
      m.put("input_dim", net.dim(i));
    }
    root.set("config", Json.toTree(config()));
    root.put("weights", WEIGHTS_FILE);
    byte[] bytes;
    try {
      bytes = om.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException("could not encode the manifest of " + dir + ": " + e.getMessage(), e);
    }
    AtomicFiles.write(dir.resolve(MANIFEST_FILE), out -> out.write(bytes));
  }

  /**
   * Loads a model saved by {@link #save}, with default runtime options.
   *
   * @param dir the directory
   * @return the model
   * @throws IllegalArgumentException if the manifest or weights are malformed, of another format
   *     version, or inconsistent (naming the file and what was wrong)
   * @throws UncheckedIOException if a file cannot be read
   */
  public static MmRqVaeModel load(Path dir) {
    return load(dir, RuntimeOptions.defaults());
  }

  /**
   * Loads a model saved by {@link #save}.
   *
   * @param dir the directory
   * @param runtime ONNX Runtime options of the quantizers' sessions
   * @return the model
   * @throws IllegalArgumentException if the manifest or weights are malformed, of another format
   *     version, or inconsistent (naming the file and what was wrong)
   * @throws UncheckedIOException if a file cannot be read
   */
  public static MmRqVaeModel load(Path dir, RuntimeOptions runtime) {
    Path manifest = dir.resolve(MANIFEST_FILE);
    JsonNode root = Json.readTree(manifest, MAX_MANIFEST_BYTES, "MM-RQ-VAE manifest");
    if (root == null || !root.isObject() || !"mmesid-mmrqvae".equals(root.path("format").asText())) {
      throw new IllegalArgumentException(manifest + " is not an MM-RQ-VAE manifest (\"format\" must be \"mmesid-mmrqvae\")");
    }
    int version = root.path("format_version").asInt(-1);
    if (version != FORMAT_VERSION) {
      throw new IllegalArgumentException(manifest + " has format_version " + root.path("format_version")
          + "; this version reads format_version " + FORMAT_VERSION);
    }
    JsonNode mods = root.path("modalities");
    if (!mods.isArray() || mods.size() < 1 || mods.size() > 64) {
      throw new IllegalArgumentException(manifest + ": \"modalities\" must be an array of 1..64 entries");
    }
    List<String> names = new ArrayList<>();
    int[] dims = new int[mods.size()];
    for (int i = 0; i < mods.size(); i++) {
      JsonNode m = mods.get(i);
      String name = m.path("name").asText(null);
      try {
        checkName(name);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(manifest + ": modalities[" + i + "]: " + e.getMessage(), e);
      }
      if (names.contains(name)) {
        throw new IllegalArgumentException(manifest + ": modality '" + name + "' appears twice; names must be unique");
      }
      names.add(name);
      dims[i] = m.path("input_dim").asInt(-1);
      if (dims[i] < 1 || dims[i] > (1 << 20)) {
        throw new IllegalArgumentException(manifest + ": modalities[" + i + "].input_dim = "
            + m.path("input_dim") + "; allowed 1.." + (1 << 20));
      }
    }
    MmRqVaeConfig cfg = Json.readConfig(root.path("config"), MmRqVaeConfig.class,
        MmRqVaeConfig.builder().build(), manifest + ": \"config\"");
    Path weights = dir.resolve(WEIGHTS_FILE);
    RqVaeNetwork net = new RqVaeNetwork(cfg, names, dims);
    Map<String, TensorData> params = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(weights)) {
      for (Map.Entry<String, long[]> e : net.parameterShapes().entrySet()) {
        if (!f.contains(e.getKey())) {
          throw new IllegalArgumentException(weights + " lacks tensor '" + e.getKey() + "' that the manifest implies");
        }
        TensorInfo t = f.tensor(e.getKey());
        if (!Arrays.equals(t.shape(), e.getValue())) {
          throw new IllegalArgumentException(weights + ": tensor '" + e.getKey() + "' has shape "
              + Arrays.toString(t.shape()) + "; the manifest implies " + Arrays.toString(e.getValue()));
        }
        float[] v = f.readFloat32(e.getKey());
        Finite.check(v, e.getValue(), weights + ": tensor '" + e.getKey() + "'");
        params.put(e.getKey(), TensorData.ofFloats(e.getValue(), v));
      }
    }
    return new MmRqVaeModel(cfg, names, dims, params, runtime);
  }

  /** Closes the quantizers' sessions; idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      quantizers.values().forEach(RqQuantizer::close);
    }
  }
}
