package io.github.mmesid.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON form of {@link MmRqVaeConfig} in the model manifest; reading is strict and bounded. */
final class ConfigJson {

  private static final int MAX_SIZE = 1 << 20;
  private static final int MAX_LIST = 1024;

  private ConfigJson() {}

  static ObjectNode toJson(ObjectMapper om, MmRqVaeConfig c) {
    ObjectNode o = om.createObjectNode();
    o.put("levels", c.levels());
    o.put("codebook_size", c.codebookSize());
    o.put("latent_dim", c.latentDim());
    ArrayNode h = o.putArray("hidden_layers");
    for (int v : c.hiddenLayers()) {
      h.add(v);
    }
    o.put("dropout", c.dropout());
    o.put("beta", c.beta());
    o.put("recon", c.recon().name());
    ArrayNode a = o.putArray("mmd_alphas");
    for (double v : c.mmdAlphas()) {
      a.add(v);
    }
    o.put("align", c.align().name());
    o.put("temperature", c.temperature());
    if (c.anchor() != null) {
      o.put("anchor", c.anchor());
    }
    o.put("recon_weight", c.reconWeight());
    o.put("quant_weight", c.quantWeight());
    o.put("align_weight", c.alignWeight());
    o.put("kmeans_init", c.kmeansInit());
    o.put("balanced_kmeans", c.balancedKmeans());
    o.put("kmeans_iterations", c.kmeansIterations());
    ArrayNode e = o.putArray("sinkhorn_epsilons");
    for (double v : c.sinkhornEpsilons()) {
      e.add(v);
    }
    o.put("sinkhorn_iterations", c.sinkhornIterations());
    o.put("reseed_dead_codes", c.reseedDeadCodes());
    o.put("learning_rate", c.learningRate());
    o.put("weight_decay", c.weightDecay());
    o.put("batch_size", c.batchSize());
    o.put("epochs", c.epochs());
    o.put("validate_every", c.validateEvery());
    o.put("criterion", c.criterion().name());
    o.put("patience", c.patience());
    o.put("seed", c.seed());
    return o;
  }

  static MmRqVaeConfig fromJson(JsonNode o) {
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("must be a JSON object");
    }
    MmRqVaeConfig.Builder b = MmRqVaeConfig.builder()
        .levels(intField(o, "levels", 1, MAX_LIST))
        .codebookSize(intField(o, "codebook_size", 1, MAX_SIZE))
        .latentDim(intField(o, "latent_dim", 1, MAX_SIZE))
        .hiddenLayers(intList(o, "hidden_layers"))
        .dropout(num(o, "dropout"))
        .beta(num(o, "beta"))
        .recon(enumField(o, "recon", MmRqVaeConfig.ReconLoss.class))
        .mmdAlphas(numList(o, "mmd_alphas"))
        .align(enumField(o, "align", MmRqVaeConfig.AlignLoss.class))
        .temperature(num(o, "temperature"))
        .anchor(o.has("anchor") ? o.get("anchor").asText() : null)
        .weights(num(o, "recon_weight"), num(o, "quant_weight"), num(o, "align_weight"))
        .kmeansInit(bool(o, "kmeans_init"))
        .balancedKmeans(bool(o, "balanced_kmeans"))
        .kmeansIterations(intField(o, "kmeans_iterations", 1, Integer.MAX_VALUE))
        .sinkhornEpsilons(numList(o, "sinkhorn_epsilons"))
        .sinkhornIterations(intField(o, "sinkhorn_iterations", 1, Integer.MAX_VALUE))
        .reseedDeadCodes(bool(o, "reseed_dead_codes"))
        .learningRate(num(o, "learning_rate"))
        .weightDecay(num(o, "weight_decay"))
        .batchSize(intField(o, "batch_size", 1, Integer.MAX_VALUE))
        .epochs(intField(o, "epochs", 1, Integer.MAX_VALUE))
        .validateEvery(intField(o, "validate_every", 1, Integer.MAX_VALUE))
        .criterion(enumField(o, "criterion", MmRqVaeConfig.Criterion.class))
        .patience(intField(o, "patience", 0, Integer.MAX_VALUE))
        .seed(longField(o, "seed"));
    return b.build();
  }

  private static JsonNode need(JsonNode o, String f) {
    JsonNode v = o.get(f);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("field \"" + f + "\" is missing");
    }
    return v;
  }

  private static int intField(JsonNode o, String f, int min, int max) {
    JsonNode v = need(o, f);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      throw new IllegalArgumentException("field \"" + f + "\" = " + v + "; allowed: an integer in " + min + ".." + max);
    }
    return v.asInt();
  }

  private static long longField(JsonNode o, String f) {
    JsonNode v = need(o, f);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("field \"" + f + "\" = " + v + "; allowed: a 64-bit integer");
    }
    return v.asLong();
  }

  private static double num(JsonNode o, String f) {
    JsonNode v = need(o, f);
    if (!v.isNumber()) {
      throw new IllegalArgumentException("field \"" + f + "\" = " + v + "; allowed: a number");
    }
    return v.asDouble();
  }

  private static boolean bool(JsonNode o, String f) {
    JsonNode v = need(o, f);
    if (!v.isBoolean()) {
      throw new IllegalArgumentException("field \"" + f + "\" = " + v + "; allowed: true or false");
    }
    return v.asBoolean();
  }

  private static <E extends Enum<E>> E enumField(JsonNode o, String f, Class<E> type) {
    JsonNode v = need(o, f);
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(v.asText())) {
        return e;
      }
    }
    throw new IllegalArgumentException("field \"" + f + "\" = " + v + "; allowed: "
        + java.util.Arrays.toString(type.getEnumConstants()));
  }

  private static int[] intList(JsonNode o, String f) {
    JsonNode v = need(o, f);
    if (!v.isArray() || v.size() > MAX_LIST) {
      throw new IllegalArgumentException("field \"" + f + "\" must be an array of at most " + MAX_LIST + " integers");
    }
    int[] out = new int[v.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode x = v.get(i);
      if (!x.isIntegralNumber() || !x.canConvertToInt() || x.asInt() < 1 || x.asInt() > MAX_SIZE) {
        throw new IllegalArgumentException("field \"" + f + "\"[" + i + "] = " + x + "; allowed: an integer in 1.." + MAX_SIZE);
      }
      out[i] = x.asInt();
    }
    return out;
  }

  private static double[] numList(JsonNode o, String f) {
    JsonNode v = need(o, f);
    if (!v.isArray() || v.size() > MAX_LIST) {
      throw new IllegalArgumentException("field \"" + f + "\" must be an array of at most " + MAX_LIST + " numbers");
    }
    double[] out = new double[v.size()];
    for (int i = 0; i < out.length; i++) {
      if (!v.get(i).isNumber()) {
        throw new IllegalArgumentException("field \"" + f + "\"[" + i + "] = " + v.get(i) + "; allowed: a number");
      }
      out[i] = v.get(i).asDouble();
    }
    return out;
  }
}
