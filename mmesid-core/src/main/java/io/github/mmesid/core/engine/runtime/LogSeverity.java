package io.github.mmesid.core.engine.runtime;

import ai.onnxruntime.OrtLoggingLevel;

/** Minimum severity of ONNX Runtime's own (native) log messages for a session. */
public enum LogSeverity {
  /** Everything, very noisy. */
  VERBOSE(OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE),
  /** Informational messages and above. */
  INFO(OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO),
  /** Warnings and above (default). */
  WARNING(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING),
  /** Errors and above. */
  ERROR(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR),
  /** Only fatal errors. */
  FATAL(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);

  private final OrtLoggingLevel ort;

  LogSeverity(OrtLoggingLevel ort) {
    this.ort = ort;
  }

  OrtLoggingLevel toOrt() {
    return ort;
  }
}
