package io.github.mmesid.llm.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mmesid.llm.llama.LlamaTensorNames.Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * LoRA hyper-parameters as in PEFT's {@code LoraConfig}: rank {@code r}, {@code lora_alpha},
 * {@code lora_dropout} and the {@code target_modules} by name. The update of a target weight is
 * {@code (alpha / r) * B A} with {@code A [r, in]} and {@code B [out, r]}.
 *
 * @param r the rank, {@code >= 1}
 * @param alpha {@code lora_alpha}, finite and {@code > 0}
 * @param dropout {@code lora_dropout} in {@code [0, 1)}, applied to a module's input before A
 *     while training
 * @param targetModules the modules that get adapters (at least one)
 */
public record LoraConfig(int r, double alpha, double dropout, Set<Module> targetModules) {
  /** PEFT's adapter configuration file name. */
  public static final String FILE_NAME = "adapter_config.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Validates and copies the fields.
   *
   * @param r see the record description
   * @param alpha see the record description
   * @param dropout see the record description
   * @param targetModules see the record description
   */
  public LoraConfig {
    if (r < 1) {
      throw new IllegalArgumentException("LoRA rank r must be >= 1, got " + r);
    }
    if (!(alpha > 0) || !Double.isFinite(alpha)) {
      throw new IllegalArgumentException("lora_alpha must be finite and > 0, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
    }
    if (targetModules == null || targetModules.isEmpty()) {
      throw new IllegalArgumentException("LoRA needs at least one target module; allowed: "
          + "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj");
    }
    targetModules = Collections.unmodifiableSet(EnumSet.copyOf(targetModules));
  }

  /**
   * MME-SID's setting: r = 8, alpha = 16, dropout 0.05 on gate_proj, up_proj and down_proj.
   *
   * @return the configuration
   */
  public static LoraConfig mmeSid() {
    return new LoraConfig(8, 16, 0.05, EnumSet.of(Module.GATE_PROJ, Module.UP_PROJ,
        Module.DOWN_PROJ));
  }

  /**
   * A configuration with targets given by PEFT short names.
   *
   * @param r the rank
   * @param alpha lora_alpha
   * @param dropout lora_dropout
   * @param modules e.g. {@code "q_proj", "v_proj"}
   * @return the configuration
   */
  public static LoraConfig of(int r, double alpha, double dropout, String... modules) {
    EnumSet<Module> set = EnumSet.noneOf(Module.class);
    for (String m : modules) {
      set.add(Module.fromShortName(m));
    }
    return new LoraConfig(r, alpha, dropout, set);
  }

  /**
   * PEFT's scale {@code alpha / r}.
   *
   * @return the scale
   */
  public double scale() {
    return alpha / r;
  }

  /**
   * Whether a module gets an adapter.
   *
   * @param m the module
   * @return true if targeted
   */
  public boolean targets(Module m) {
    return targetModules.contains(m);
  }

  /**
   * This configuration as PEFT's {@code adapter_config.json}.
   *
   * @param baseModel {@code base_model_name_or_path} to record, or null
   * @return the JSON text
   */
  public String toJson(String baseModel) {
    ObjectNode o = JSON.createObjectNode();
    o.put("peft_type", "LORA");
    o.put("task_type", "CAUSAL_LM");
    if (baseModel == null) {
      o.putNull("base_model_name_or_path");
    } else {
      o.put("base_model_name_or_path", baseModel);
    }
    o.put("r", r);
    o.put("lora_alpha", alpha);
    o.put("lora_dropout", dropout);
    ArrayNode t = o.putArray("target_modules");
    for (Module m : targetModules) {
      t.add(m.shortName());
    }
    o.put("bias", "none");
    o.put("fan_in_fan_out", false);
    o.put("use_rslora", false);
    o.put("use_dora", false);
    o.put("inference_mode", true);
    o.put("init_lora_weights", true);
    o.putNull("modules_to_save");
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot serialise a LoRA config", e);
    }
  }

  /**
   * Reads PEFT's {@code adapter_config.json} (a file, or a directory holding it). Settings this
   * implementation does not support (bias other than "none", rsLoRA, DoRA, fan_in_fan_out,
   * per-module ranks) are rejected with a clear message.
   *
   * @param fileOrDirectory the file or the adapter directory
   * @return the configuration
   * @throws IllegalArgumentException if malformed or unsupported (the message names the file)
   * @throws UncheckedIOException if it cannot be read
   */
  public static LoraConfig read(Path fileOrDirectory) {
    Path file = Files.isDirectory(fileOrDirectory) ? fileOrDirectory.resolve(FILE_NAME)
        : fileOrDirectory;
    String text;
    try {
      if (Files.size(file) > (1 << 20)) {
        throw new IllegalArgumentException(file + ": larger than 1 MiB; not an adapter config");
      }
      text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read the adapter config", e);
    }
    try {
      return parse(JSON.readTree(text));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  private static LoraConfig parse(JsonNode o) {
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("an adapter config must hold a JSON object");
    }
    String type = o.path("peft_type").asText("LORA");
    if (!type.equals("LORA")) {
      throw new IllegalArgumentException("peft_type '" + type + "' is not supported; allowed: "
          + "LORA");
    }
    if (!o.path("r").isIntegralNumber()) {
      throw new IllegalArgumentException("'r' is missing or not an integer");
    }
    if (!o.path("lora_alpha").isNumber()) {
      throw new IllegalArgumentException("'lora_alpha' is missing or not a number");
    }
    String bias = o.path("bias").asText("none");
    if (!bias.equals("none")) {
      throw new IllegalArgumentException("bias '" + bias + "' is not supported; allowed: none");
    }
    for (String f : List.of("use_rslora", "use_dora", "fan_in_fan_out")) {
      if (o.path(f).asBoolean(false)) {
        throw new IllegalArgumentException(f + " = true is not supported; allowed: false");
      }
    }
    for (String f : List.of("rank_pattern", "alpha_pattern")) {
      JsonNode p = o.get(f);
      if (p != null && p.isObject() && p.size() > 0) {
        throw new IllegalArgumentException(f + " is not supported; allowed: empty or absent");
      }
    }
    JsonNode t = o.get("target_modules");
    List<String> names = new ArrayList<>();
    if (t == null || !t.isArray()) {
      throw new IllegalArgumentException("target_modules must be a list of module names such "
          + "as [\"q_proj\", \"v_proj\"], got " + t);
    }
    for (JsonNode n : t) {
      names.add(n.asText());
    }
    double dropout = o.path("lora_dropout").asDouble(0);
    return of(o.get("r").asInt(), o.get("lora_alpha").asDouble(), dropout,
        names.toArray(new String[0]));
  }
}
