package io.github.mmesid.llm.llama;

/** How the backbone's weights take part in training. */
public enum TrainingMode {
  /**
   * A pretrained backbone stays frozen (its weights are frozen graph sources kept out of the
   * ONNX protobuf); only LoRA adapters on the configured modules train.
   */
  LORA,
  /** Every backbone weight is a trainable parameter (a small backbone trained from scratch). */
  FULL,
  /** Nothing in the backbone trains; gradients may still flow through it to its inputs. */
  FROZEN
}
