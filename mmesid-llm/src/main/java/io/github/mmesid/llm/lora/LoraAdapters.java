package io.github.mmesid.llm.lora;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.io.AtomicFiles;
import io.github.mmesid.core.io.safetensors.SafetensorsDType;
import io.github.mmesid.core.io.safetensors.SafetensorsFile;
import io.github.mmesid.core.io.safetensors.SafetensorsWriter;
import io.github.mmesid.core.io.safetensors.TensorInfo;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaTensorNames;
import io.github.mmesid.llm.llama.LlamaTensorNames.Module;
import io.github.mmesid.llm.llama.LlamaWeights;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LoRA matrices of a Llama backbone under PEFT's names ({@code
 * base_model.model.model.layers.{i}.mlp.gate_proj.lora_A.weight} {@code [r, in]} and {@code
 * ...lora_B.weight} {@code [out, r]}), with PEFT's initialisation, saving and loading in PEFT's
 * directory layout ({@value #WEIGHTS_FILE} plus {@value LoraConfig#FILE_NAME}) so that adapters
 * move between this library and the Python ecosystem, and merging into base weights.
 */
public final class LoraAdapters {
  /** PEFT's adapter weights file name. */
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  private final LlamaConfig llama;
  private final LoraConfig lora;
  private final Map<String, TensorData> values;

  private LoraAdapters(LlamaConfig llama, LoraConfig lora, Map<String, TensorData> values) {
    this.llama = llama;
    this.lora = lora;
    this.values = Collections.unmodifiableMap(values);
  }

  /**
   * The expected adapter tensors and their shapes, in model order.
   *
   * @param llama the backbone architecture
   * @param lora the LoRA configuration
   * @return a new ordered map from PEFT name to shape
   */
  public static Map<String, long[]> shapes(LlamaConfig llama, LoraConfig lora) {
    Map<String, long[]> m = new LinkedHashMap<>();
    for (int i = 0; i < llama.numHiddenLayers(); i++) {
      for (Module mod : Module.values()) {
        if (lora.targets(mod)) {
          m.put(LlamaTensorNames.loraA(i, mod), new long[] {lora.r(), mod.inFeatures(llama)});
          m.put(LlamaTensorNames.loraB(i, mod), new long[] {mod.outFeatures(llama), lora.r()});
        }
      }
    }
    return m;
  }

  /**
   * PEFT's initialisation: every A Kaiming-uniform with {@code a = sqrt(5)} (bound {@code
   * 1/sqrt(in)}), every B zero, so the adapted model starts equal to the base model.
   * Deterministic in {@code seed} and each tensor's name.
   *
   * @param llama the backbone architecture
   * @param lora the LoRA configuration
   * @param seed the seed
   * @return the adapters
   */
  public static LoraAdapters initialize(LlamaConfig llama, LoraConfig lora, long seed) {
    Map<String, TensorData> m = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes(llama, lora).entrySet()) {
      boolean isA = e.getKey().endsWith(".lora_A.weight");
      m.put(e.getKey(), (isA ? Initializers.kaimingUniform(Math.sqrt(5)) : Initializers.zeros())
          .create(seed, e.getKey(), DType.FLOAT32, e.getValue()));
    }
    return new LoraAdapters(llama, lora, m);
  }

  /**
   * Adapters from values by PEFT name (float32 or float64, stored as float32).
   *
   * @param llama the backbone architecture
   * @param lora the LoRA configuration
   * @param values exactly the tensors of {@link #shapes}
   * @return the adapters
   * @throws IllegalArgumentException listing missing, unknown and mis-shaped tensors
   */
  public static LoraAdapters of(LlamaConfig llama, LoraConfig lora,
      Map<String, TensorData> values) {
    Map<String, long[]> expected = shapes(llama, lora);
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      TensorData d = values.get(e.getKey());
      if (d == null) {
        problems.add("missing " + e.getKey());
      } else if (!Arrays.equals(d.shape(), e.getValue())) {
        problems.add(e.getKey() + " is " + Arrays.toString(d.shape()) + ", expected "
            + Arrays.toString(e.getValue()));
      }
    }
    for (String n : values.keySet()) {
      if (!expected.containsKey(n)) {
        problems.add("unknown " + n);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("LoRA adapters do not match r=" + lora.r() + ", targets "
          + lora.targetModules() + " on " + llama + ": " + problems);
    }
    Map<String, TensorData> m = new LinkedHashMap<>();
    for (String n : expected.keySet()) {
      TensorData d = values.get(n);
      m.put(n, d.dtype() == DType.FLOAT32 ? d : TensorData.ofFloats(d.shape(), d.toFloats()));
    }
    return new LoraAdapters(llama, lora, m);
  }

  /**
   * The adapters held by a training result's parameters (the graph uses PEFT's names).
   *
   * @param llama the backbone architecture
   * @param lora the LoRA configuration
   * @param parameters e.g. {@code TrainingResult.parameters()}; other entries are ignored
   * @return the adapters
   */
  public static LoraAdapters fromSnapshot(LlamaConfig llama, LoraConfig lora,
      ParameterSnapshot parameters) {
    Map<String, TensorData> m = new LinkedHashMap<>();
    for (String n : shapes(llama, lora).keySet()) {
      if (parameters.names().contains(n)) {
        m.put(n, parameters.get(n));
      }
    }
    return of(llama, lora, m);
  }

  /**
   * The LoRA configuration.
   *
   * @return the config
   */
  public LoraConfig config() {
    return lora;
  }

  /**
   * The backbone architecture these adapters fit.
   *
   * @return the Llama config
   */
  public LlamaConfig llamaConfig() {
    return llama;
  }

  /**
   * All adapter tensors by PEFT name, in model order.
   *
   * @return an unmodifiable map
   */
  public Map<String, TensorData> tensors() {
    return values;
  }

  /**
   * The A matrix of one module.
   *
   * @param layer layer index
   * @param m a targeted module
   * @return {@code [r, in]}
   */
  public TensorData a(int layer, Module m) {
    return get(LlamaTensorNames.loraA(layer, m));
  }

  /**
   * The B matrix of one module.
   *
   * @param layer layer index
   * @param m a targeted module
   * @return {@code [out, r]}
   */
  public TensorData b(int layer, Module m) {
    return get(LlamaTensorNames.loraB(layer, m));
  }

  private TensorData get(String n) {
    TensorData d = values.get(n);
    if (d == null) {
      throw new IllegalArgumentException("No adapter tensor '" + n + "'; targets are "
          + lora.targetModules() + " in layers [0, " + llama.numHiddenLayers() + ")");
    }
    return d;
  }

  /**
   * Saves in PEFT's layout: {@value #WEIGHTS_FILE} (float32) and {@value LoraConfig#FILE_NAME},
   * each written atomically.
   *
   * @param directory the adapter directory (created if needed)
   * @param baseModel {@code base_model_name_or_path} to record, or null
   * @throws UncheckedIOException on IO failure
   */
  public void save(Path directory, String baseModel) {
    SafetensorsWriter w = new SafetensorsWriter().putMetadata("format", "pt");
    for (Map.Entry<String, TensorData> e : values.entrySet()) {
      w.addFloats(e.getKey(), SafetensorsDType.F32, e.getValue().shape(),
          e.getValue().bytes().asFloatBuffer());
    }
    w.write(directory.resolve(WEIGHTS_FILE));
    AtomicFiles.writeString(directory.resolve(LoraConfig.FILE_NAME),
        lora.toJson(baseModel) + "\n");
  }

  /**
   * Loads a PEFT adapter directory ({@value LoraConfig#FILE_NAME} and {@value #WEIGHTS_FILE};
   * F32, F16 or BF16).
   *
   * @param directory the adapter directory
   * @param llama the backbone the adapters belong to
   * @return the adapters
   * @throws IllegalArgumentException if the config is unsupported or tensors are missing, unknown
   *     or mis-shaped
   * @throws UncheckedIOException on IO failure
   */
  public static LoraAdapters load(Path directory, LlamaConfig llama) {
    LoraConfig lora = LoraConfig.read(directory);
    Map<String, TensorData> m = new LinkedHashMap<>();
    Path file = directory.resolve(WEIGHTS_FILE);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (Map.Entry<String, TensorInfo> e : f.tensors().entrySet()) {
        TensorInfo t = e.getValue();
        if (!t.dtype().isFloatingPoint()) {
          throw new IllegalArgumentException(file + ": tensor '" + e.getKey() + "' has dtype "
              + t.dtype() + "; allowed: F32, F16, BF16, F64");
        }
        float[] v = f.readFloat32(e.getKey());
        Finite.check(v, t.shape(), file + ": tensor '" + e.getKey() + "'");
        m.put(e.getKey(), TensorData.ofFloats(t.shape(), v));
      }
    }
    try {
      return of(llama, lora, m);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The merged projection weight {@code W + (alpha / r) * B A} of one module.
   *
   * @param base the base weight {@code [out, in]}
   * @param layer layer index
   * @param m a targeted module
   * @return a new direct float32 value
   */
  public TensorData merged(TensorData base, int layer, Module m) {
    long[] shape = base.shape();
    int out = Math.toIntExact(shape[0]);
    int in = Math.toIntExact(shape[1]);
    int r = lora.r();
    float[] av = a(layer, m).toFloats();
    float[] bv = b(layer, m).toFloats();
    double s = lora.scale();
    ByteBuffer buf = ByteBuffer.allocateDirect(Math.multiplyExact(4 * out, in))
        .order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer dst = buf.asFloatBuffer();
    FloatBuffer src = base.bytes().asFloatBuffer();
    float[] row = new float[in];
    double[] acc = new double[in];
    for (int o = 0; o < out; o++) {
      src.get(o * in, row, 0, in);
      Arrays.fill(acc, 0);
      for (int k = 0; k < r; k++) {
        double bk = bv[o * r + k];
        if (bk == 0) {
          continue;
        }
        int off = k * in;
        for (int i = 0; i < in; i++) {
          acc[i] += bk * av[off + i];
        }
      }
      for (int i = 0; i < in; i++) {
        row[i] = (float) (row[i] + s * acc[i]);
      }
      dst.put(o * in, row, 0, in);
    }
    return TensorData.wrap(DType.FLOAT32, shape, buf);
  }

  /**
   * Merges the adapters into base weights for inference: every targeted projection becomes
   * {@code W + (alpha / r) * B A}; other tensors are shared with {@code base}.
   *
   * @param base the base weights (same architecture)
   * @return the merged weights
   * @throws IllegalArgumentException if the architectures differ
   */
  public LlamaWeights mergeInto(LlamaWeights base) {
    if (!base.config().equals(llama)) {
      throw new IllegalArgumentException("Adapters for " + llama + " cannot merge into "
          + base.config());
    }
    Map<String, TensorData> repl = new LinkedHashMap<>();
    for (int i = 0; i < llama.numHiddenLayers(); i++) {
      for (Module m : Module.values()) {
        if (lora.targets(m)) {
          String n = LlamaTensorNames.linear(i, m);
          repl.put(n, merged(base.tensor(n), i, m));
        }
      }
    }
    return base.withReplaced(repl);
  }
}
