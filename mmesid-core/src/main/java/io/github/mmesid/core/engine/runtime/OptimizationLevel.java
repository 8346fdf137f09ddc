package io.github.mmesid.core.engine.runtime;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/** ONNX Runtime graph optimisation levels. */
public enum OptimizationLevel {
  /** No graph rewriting. */
  NONE(OptLevel.NO_OPT),
  /** Semantics-preserving rewrites such as constant folding and redundant-node removal. */
  BASIC(OptLevel.BASIC_OPT),
  /** BASIC plus operator fusions. */
  EXTENDED(OptLevel.EXTENDED_OPT),
  /** Everything, including layout transformations (ORT's default). */
  ALL(OptLevel.ALL_OPT);

  private final OptLevel ort;

  OptimizationLevel(OptLevel ort) {
    this.ort = ort;
  }

  OptLevel toOrt() {
    return ort;
  }
}
