package io.github.mmesid.llm.llama;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.core.io.safetensors.SafetensorsDType;
import io.github.mmesid.core.io.safetensors.SafetensorsWriter;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes Llama weights as a Hugging Face {@code LlamaForCausalLM} checkpoint directory: {@code
 * config.json} and {@code model.safetensors}, or shards {@code model-0000k-of-0000n.safetensors}
 * with {@code model.safetensors.index.json}, in F32, F16 or BF16, with exactly the tensor names
 * and shapes transformers writes (including {@code lm_head.weight} unless the embeddings are
 * tied). Used to make tiny checkpoints for tests, the quick start and benchmarks. Every file is
 * written atomically.
 */
public final class LlamaCheckpointWriter {
  private LlamaCheckpointWriter() {}

  /**
   * How a checkpoint is written.
   *
   * @param dtype F32, F16 or BF16
   * @param maxShardBytes the largest data size of one shard; {@code Long.MAX_VALUE} for a single
   *     {@code model.safetensors}
   */
  public record Format(SafetensorsDType dtype, long maxShardBytes) {
    /**
     * Validates the fields.
     *
     * @param dtype see the record description
     * @param maxShardBytes see the record description
     */
    public Format {
      if (dtype != SafetensorsDType.F32 && dtype != SafetensorsDType.F16 && dtype != SafetensorsDType.BF16) {
        throw new IllegalArgumentException("Checkpoint dtype " + dtype
            + " is not supported; allowed: F32, F16, BF16");
      }
      if (maxShardBytes <= 0) {
        throw new IllegalArgumentException("maxShardBytes must be > 0, got " + maxShardBytes);
      }
    }

    /**
     * A single F32 file.
     *
     * @return the format
     */
    public static Format singleF32() {
      return new Format(SafetensorsDType.F32, Long.MAX_VALUE);
    }
  }

  /**
   * Writes random weights ({@link LlamaWeights#random}) plus a random LM head.
   *
   * @param directory the checkpoint directory (created if needed)
   * @param config the architecture ({@code torch_dtype} is set from the format)
   * @param seed the seed
   * @param format dtype and sharding
   * @return the weights written (as float32, before rounding to the format's dtype)
   */
  public static LlamaWeights writeRandom(Path directory, LlamaConfig config, long seed,
      Format format) {
    LlamaWeights w = LlamaWeights.random(config, seed);
    write(directory, w, format, seed);
    return w;
  }

  /**
   * Writes weights; a {@code LlamaForCausalLM} LM head is added (random, from {@code
   * headSeed}) unless the config ties the embeddings.
   *
   * @param directory the checkpoint directory (created if needed)
   * @param weights the weights, embedding included
   * @param format dtype and sharding
   * @param headSeed seed of the random LM head
   * @return the files written (config first)
   */
  public static List<Path> write(Path directory, LlamaWeights weights, Format format,
      long headSeed) {
    if (!weights.hasEmbeddings()) {
      throw new IllegalArgumentException("A checkpoint needs the embedding table; these "
          + "weights were loaded without it");
    }
    LlamaConfig c = weights.config().withDtypeAndTie(torchDtype(format.dtype()),
        weights.config().tieWordEmbeddings());
    SafetensorsWriter w = new SafetensorsWriter().putMetadata("format", "pt");
    for (Map.Entry<String, TensorData> e : weights.tensors().entrySet()) {
      w.addFloats(e.getKey(), format.dtype(), e.getValue().shape(),
          e.getValue().bytes().asFloatBuffer());
    }
    List<TensorData> blocks = weights.embeddingBlocks();
    long[] embShape = {c.vocabSize(), c.hiddenSize()};
    if (blocks.size() == 1) {
      w.addFloats(LlamaTensorNames.EMBED_TOKENS, format.dtype(), embShape,
          blocks.get(0).bytes().asFloatBuffer());
    } else {
      throw new IllegalArgumentException("Writing an embedding table larger than "
          + io.github.mmesid.core.engine.runtime.HostTensor.MAX_BYTES
          + " bytes is not supported by the tiny checkpoint writer");
    }
    if (!c.tieWordEmbeddings()) {
      TensorData head = Initializers.normal(0.02).create(headSeed, LlamaTensorNames.LM_HEAD,
          DType.FLOAT32, embShape);
      w.addFloats(LlamaTensorNames.LM_HEAD, format.dtype(), embShape,
          FloatBuffer.wrap(head.toFloats()));
    }
    List<Path> files = new ArrayList<>();
    files.add(c.write(directory));
    files.addAll(w.writeSharded(directory, format.maxShardBytes()));
    return files;
  }

  private static String torchDtype(SafetensorsDType d) {
    switch (d) {
      case F16:
        return "float16";
      case BF16:
        return "bfloat16";
      default:
        return "float32";
    }
  }

  /**
   * A short description of a format, e.g. {@code BF16, 2 shards max 1000 bytes}.
   *
   * @param f the format
   * @return the text
   */
  public static String describe(Format f) {
    return f.maxShardBytes() == Long.MAX_VALUE ? f.dtype() + ", single file"
        : String.format(Locale.ROOT, "%s, shards of at most %d bytes", f.dtype(),
            f.maxShardBytes());
  }
}
