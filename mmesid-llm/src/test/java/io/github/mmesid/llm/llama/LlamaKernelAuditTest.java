package io.github.mmesid.llm.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.core.engine.graph.ValueSpec;
import io.github.mmesid.llm.CudaAudit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Llama backbone's graphs ({@link LlamaDeviceChecks}: frozen forward, LoRA update) have CUDA
 * kernels and run on the CPU; the LoRA gradient graph generates its dropout noise.
 */
class LlamaKernelAuditTest {
  @Test
  void forwardAndLoraStepHaveCudaKernels() {
    List<DeviceCheckCase> cases = LlamaDeviceChecks.cases();
    assertEquals(List.of("llama_forward", "llama_lora_grad", "llama_lora_opt"),
        cases.stream().map(DeviceCheckCase::name).toList());
    CudaAudit.check(cases.get(0), 150);
    CudaAudit.check(cases.get(1), 400);
    CudaAudit.check(cases.get(2), 100);
    // 2 layers x 3 adapted modules: 6 noise inputs, each a key and a shape
    List<String> keys = cases.get(1).exported().inputs().stream().map(ValueSpec::name)
        .filter(n -> n.startsWith("lora_dropout.")).toList();
    assertEquals(12, keys.size(), keys.toString());
    assertTrue(keys.stream().allMatch(n -> n.endsWith(".key") || n.endsWith(".shape")));
  }
}
