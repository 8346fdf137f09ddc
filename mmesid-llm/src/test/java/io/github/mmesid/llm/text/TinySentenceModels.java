package io.github.mmesid.llm.text;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ExportOptions;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.OnnxExporter;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes tiny "sentence-transformers" model directories for tests: a WordLevel tokenizer with a
 * BERT-style {@code [CLS] ... [SEP]} post-processor and an ONNX graph whose {@code
 * last_hidden_state} is a row of a fixed table per token. Padding positions get a huge offset, so
 * any pooling that does not honour the attention mask is far off.
 */
final class TinySentenceModels {

  static final List<String> VOCAB = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "red", "green", "blue", "apple",
      "pear", "plum", "big", "small", "fresh", "ripe", "sweet", "sour");
  static final int PAD = 0;
  static final int CLS = 2;
  static final int SEP = 3;
  static final int HIDDEN = 5;
  /** What padded positions get added; pooled into a result it would dominate it. */
  static final float PAD_OFFSET = 1000f;

  private TinySentenceModels() {}

  /** The embedding table, one row per vocabulary id, seeded. */
  static float[][] table() {
    Random rnd = new Random(11);
    float[][] t = new float[VOCAB.size()][HIDDEN];
    for (float[] row : t) {
      for (int k = 0; k < HIDDEN; k++) {
        row[k] = (float) rnd.nextGaussian();
      }
    }
    return t;
  }

  /** Token ids of a whitespace-separated text of vocabulary words, with [CLS] and [SEP]. */
  static int[] ids(String text) {
    List<Integer> out = new ArrayList<>();
    out.add(CLS);
    for (String w : text.trim().split("\\s+")) {
      if (!w.isEmpty()) {
        int id = VOCAB.indexOf(w);
        out.add(id < 0 ? 1 : id);
      }
    }
    out.add(SEP);
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The plain-Java reference: mean of the table rows of the ids (double), optionally L2-normalised. */
  static float[] reference(int[] ids, boolean normalize) {
    float[][] t = table();
    double[] sum = new double[HIDDEN];
    for (int id : ids) {
      for (int k = 0; k < HIDDEN; k++) {
        sum[k] += t[id][k];
      }
    }
    double norm = 0;
    for (int k = 0; k < HIDDEN; k++) {
      sum[k] /= ids.length;
      norm += sum[k] * sum[k];
    }
    float[] out = new float[HIDDEN];
    for (int k = 0; k < HIDDEN; k++) {
      out[k] = (float) (normalize ? sum[k] / Math.sqrt(norm) : sum[k]);
    }
    return out;
  }

  static String tokenizerJson(String truncation) {
    StringBuilder vocab = new StringBuilder();
    for (int i = 0; i < VOCAB.size(); i++) {
      vocab.append(i == 0 ? "" : ", ").append('"').append(VOCAB.get(i)).append("\": ").append(i);
    }
    return """
        {
          "version": "1.0",
          "truncation": %s,
          "padding": null,
          "added_tokens": [
            {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
          ],
          "normalizer": null,
          "pre_tokenizer": {"type": "Whitespace"},
          "post_processor": {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                               "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
          "decoder": null,
          "model": {"type": "WordLevel", "vocab": {%s}, "unk_token": "[UNK]"}
        }
        """.formatted(truncation, vocab);
  }

  /** Model variants. */
  enum Variant {
    /** input_ids + attention_mask (int64), output last_hidden_state. */
    PLAIN,
    /** Also token_type_ids; type 1 would add a large offset. */
    TOKEN_TYPES,
    /** int32 inputs. */
    INT32,
    /** Output named token_embeddings plus an unrelated pooled output. */
    ST_OUTPUTS,
    /** An extra input the encoder cannot feed. */
    EXTRA_INPUT,
    /** No attention_mask input. */
    NO_MASK
  }

  /** Serialized ONNX model of a variant. */
  static byte[] model(Variant v) {
    Graph g = new Graph("tiny_st");
    DType it = v == Variant.INT32 ? DType.INT32 : DType.INT64;
    Tensor ids = g.input(SentenceEncoder.INPUT_IDS, it, Shape.mixed("batch", "seq"));
    float[][] t = table();
    float[] flat = new float[t.length * HIDDEN];
    for (int i = 0; i < t.length; i++) {
      System.arraycopy(t[i], 0, flat, i * HIDDEN, HIDDEN);
    }
    Tensor table = g.constant(TensorData.ofFloats(new long[] {t.length, HIDDEN}, flat));
    Tensor h = table.gather(ids);
    if (v != Variant.NO_MASK) {
      Tensor mask = g.input(SentenceEncoder.ATTENTION_MASK, it, Shape.mixed("batch", "seq"));
      // + (1 - mask) * PAD_OFFSET on every hidden unit of padded positions
      Tensor pad = g.scalar(1.0, DType.FLOAT32).sub(mask.cast(DType.FLOAT32)).mul(PAD_OFFSET).unsqueeze(2);
      h = h.add(pad);
    }
    if (v == Variant.TOKEN_TYPES) {
      Tensor types = g.input(SentenceEncoder.TOKEN_TYPE_IDS, it, Shape.mixed("batch", "seq"));
      h = h.add(types.cast(DType.FLOAT32).mul(-500.0).unsqueeze(2));
    }
    if (v == Variant.EXTRA_INPUT) {
      Tensor extra = g.input("pixel_values", DType.FLOAT32, Shape.mixed("batch", "seq"));
      h = h.add(extra.unsqueeze(2));
    }
    Map<String, Tensor> outs = new LinkedHashMap<>();
    if (v == Variant.ST_OUTPUTS) {
      outs.put("token_embeddings", h);
      outs.put("sentence_embedding", h.mean(false, 1));
    } else {
      outs.put("last_hidden_state", h);
    }
    return OnnxExporter.export(g, outs, ExportOptions.inference()).toByteArray();
  }

  /** Writes model.onnx + tokenizer.json (+ optional sentence_bert_config.json) into a directory. */
  static Path write(Path dir, Variant v, String truncation, Integer maxSeqLength) {
    try {
      Files.createDirectories(dir);
      Files.write(dir.resolve("model.onnx"), model(v));
      Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson(truncation));
      if (maxSeqLength != null) {
        Files.writeString(dir.resolve("sentence_bert_config.json"),
            "{\"max_seq_length\": " + maxSeqLength + ", \"do_lower_case\": false}");
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path dir, Variant v) {
    return write(dir, v, "null", null);
  }
}
