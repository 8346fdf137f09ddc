package io.github.mmesid.llm.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.ValueSpec;
import io.github.mmesid.llm.CudaAudit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Llama backbone's graphs ({@link LlamaDeviceChecks}: frozen forward, LoRA update) have CUDA
 * kernels and run on the CPU; the LoRA gradient graph makes its dropout masks
 * from the noise key.
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
    // the 6 LoRA dropout masks (2 layers x 3 adapted modules) are made in the graph from the
    // one noise key: no noise input crosses, and the generator's ops have CUDA kernels (above)
    List<String> names = cases.get(1).exported().inputs().stream().map(ValueSpec::name).toList();
    assertTrue(names.contains(Graph.NOISE_KEY), names.toString());
    assertTrue(names.stream().noneMatch(n -> n.startsWith("lora_dropout")), names.toString());
  }
}
