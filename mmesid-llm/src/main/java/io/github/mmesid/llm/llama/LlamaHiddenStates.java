package io.github.mmesid.llm.llama;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Inference of the backbone's final hidden states with frozen weights: from token ids (through
 * the embedding table) or from {@code inputs_embeds}. Inputs are checked before they reach ONNX
 * Runtime (token ids below the vocabulary size, sequences no longer than {@code
 * max_position_embeddings}, a 0/1 mask). Ragged id sequences are left-padded. Sessions are
 * compiled on first use; {@link #close()} releases them (idempotent). Every result is checked
 * for NaN and infinity ({@link Finite.NonFiniteException} naming the sequence and position).
 * Thread-safe.
 */
public final class LlamaHiddenStates implements AutoCloseable {
  private static final String OUT = "hidden_states";

  private final LlamaWeights weights;
  private final RuntimeOptions options;
  private Predictor fromIds;
  private Predictor fromEmbeds;
  private boolean closed;

  /**
   * The final hidden states of a batch.
   *
   * @param batch B
   * @param seqLen T
   * @param hidden H
   * @param values {@code B * T * H} floats, row-major {@code [B, T, H]}
   */
  public record Result(int batch, int seqLen, int hidden, float[] values) {
    /**
     * The vector at one position.
     *
     * @param b sequence
     * @param t position
     * @return a copy of {@code H} floats
     */
    public float[] at(int b, int t) {
      int off = (b * seqLen + t) * hidden;
      return Arrays.copyOfRange(values, off, off + hidden);
    }
  }

  private LlamaHiddenStates(LlamaWeights weights, RuntimeOptions options) {
    this.weights = weights;
    this.options = options;
  }

  /**
   * Prepares inference over the given weights.
   *
   * @param weights the backbone weights (embedding needed for token ids)
   * @param options runtime options
   * @return the runner, to be closed
   */
  public static LlamaHiddenStates open(LlamaWeights weights, RuntimeOptions options) {
    return new LlamaHiddenStates(weights, options);
  }

  /**
   * The frozen forward graph's output (package-private: the kernel audit exports it).
   *
   * @param weights the backbone
   * @param ids from token ids (true) or from {@code inputs_embeds}
   * @return the hidden states output by name
   */
  static Map<String, Tensor> graph(LlamaWeights weights, boolean ids) {
    Graph g = new Graph(ids ? "llama_ids" : "llama_embeds");
    LlamaBackbone bb = LlamaBackbone.create(g, weights, LlamaBackbone.Options.inference());
    Tensor mask = LlamaBackbone.attentionMaskInput(g);
    Tensor x = ids ? bb.embed(LlamaBackbone.inputIdsInput(g))
        : LlamaBackbone.inputsEmbedsInput(g, weights.config());
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put(OUT, bb.forward(x, mask));
    return outs;
  }

  private synchronized Predictor predictor(boolean ids) {
    if (closed) {
      throw new IllegalStateException("LlamaHiddenStates is closed");
    }
    Predictor p = ids ? fromIds : fromEmbeds;
    if (p == null) {
      Map<String, Tensor> outs = graph(weights, ids);
      p = Predictor.create(outs.get(OUT).graph(), outs, new ParameterSnapshot(Map.of()), options);
      if (ids) {
        fromIds = p;
      } else {
        fromEmbeds = p;
      }
    }
    return p;
  }

  /**
   * Runs token-id sequences, left-padding shorter ones.
   *
   * @param ids one array of token ids per sequence (non-empty)
   * @return the hidden states {@code [B, T, H]} with {@code T} the longest length; padding
   *     positions hold meaningless values
   * @throws IllegalArgumentException for an id outside {@code [0, vocab)} or a sequence longer
   *     than {@code max_position_embeddings}
   */
  public Result run(long[][] ids) {
    if (ids.length == 0) {
      throw new IllegalArgumentException("No sequences given; allowed: at least one");
    }
    int t = 0;
    for (long[] s : ids) {
      if (s.length == 0) {
        throw new IllegalArgumentException("Empty token sequence; allowed: at least one token");
      }
      t = Math.max(t, s.length);
    }
    long[] flat = new long[ids.length * t];
    long[] mask = new long[ids.length * t];
    for (int b = 0; b < ids.length; b++) {
      int pad = t - ids[b].length;
      for (int i = 0; i < ids[b].length; i++) {
        flat[b * t + pad + i] = ids[b][i];
        mask[b * t + pad + i] = 1;
      }
    }
    return runIds(flat, mask, ids.length, t);
  }

  /**
   * Runs a padded batch of token ids.
   *
   * @param ids {@code B * T} ids, row-major (padding positions may hold any valid id)
   * @param mask {@code B * T} values, 1 for tokens and 0 for padding
   * @param batch B
   * @param seqLen T
   * @return the hidden states
   */
  public Result runIds(long[] ids, long[] mask, int batch, int seqLen) {
    checkBatch(ids.length, mask, batch, seqLen);
    int v = weights.config().vocabSize();
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= v) {
        throw new IllegalArgumentException("token id " + ids[i] + " (sequence " + i / seqLen
            + ", position " + i % seqLen + ") is out of range; allowed: [0, " + v + ")");
      }
    }
    try (HostTensor idT = HostTensor.of(ids, batch, seqLen);
        HostTensor maskT = HostTensor.of(mask, batch, seqLen)) {
      return collect(predictor(true), Map.of(LlamaBackbone.INPUT_IDS, idT,
          LlamaBackbone.ATTENTION_MASK, maskT), batch, seqLen);
    }
  }

  /**
   * Runs a padded batch of input embeddings.
   *
   * @param embeds {@code B * T * H} floats, row-major
   * @param mask {@code B * T} values, 1 for tokens and 0 for padding
   * @param batch B
   * @param seqLen T
   * @return the hidden states
   */
  public Result runEmbeds(float[] embeds, long[] mask, int batch, int seqLen) {
    int h = weights.config().hiddenSize();
    checkBatch((long) embeds.length / h, mask, batch, seqLen);
    if (embeds.length != (long) batch * seqLen * h) {
      throw new IllegalArgumentException("inputs_embeds has " + embeds.length + " values; "
          + "expected B * T * H = " + batch + " * " + seqLen + " * " + h);
    }
    try (HostTensor e = HostTensor.of(embeds, batch, seqLen, h);
        HostTensor maskT = HostTensor.of(mask, batch, seqLen)) {
      return collect(predictor(false), Map.of(LlamaBackbone.INPUTS_EMBEDS, e,
          LlamaBackbone.ATTENTION_MASK, maskT), batch, seqLen);
    }
  }

  private void checkBatch(long n, long[] mask, int batch, int seqLen) {
    if (batch < 1 || seqLen < 1) {
      throw new IllegalArgumentException("batch and sequence length must be >= 1, got " + batch
          + " and " + seqLen);
    }
    int max = weights.config().maxPositionEmbeddings();
    if (seqLen > max) {
      throw new IllegalArgumentException("sequence length " + seqLen
          + " exceeds max_position_embeddings " + max + "; allowed: at most " + max);
    }
    if (n != (long) batch * seqLen || mask.length != (long) batch * seqLen) {
      throw new IllegalArgumentException("inputs hold " + n + " positions and the mask "
          + mask.length + "; both must equal B * T = " + batch + " * " + seqLen);
    }
    for (int i = 0; i < mask.length; i++) {
      if (mask[i] != 0 && mask[i] != 1) {
        throw new IllegalArgumentException("attention mask value " + mask[i] + " at sequence "
            + i / seqLen + ", position " + i % seqLen + "; allowed: 0 (padding) or 1 (token)");
      }
    }
  }

  private Result collect(Predictor p, Map<String, HostTensor> feeds, int batch, int seqLen) {
    int h = weights.config().hiddenSize();
    try (RunOutputs out = p.run(feeds)) {
      float[] v = out.get(OUT).toFloatArray();
      Finite.check(v, new long[] {batch, seqLen, h}, "Llama hidden_states [sequence, position, unit]");
      return new Result(batch, seqLen, h, v);
    }
  }

  /** Releases the sessions; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (fromIds != null) {
      fromIds.close();
    }
    if (fromEmbeds != null) {
      fromEmbeds.close();
    }
  }
}
