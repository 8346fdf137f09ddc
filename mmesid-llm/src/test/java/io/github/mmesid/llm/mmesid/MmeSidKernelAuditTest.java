package io.github.mmesid.llm.mmesid;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.llm.CudaAudit;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MME-SID's graphs ({@link MmeSidDeviceChecks}: training update with the preset backbone and with
 * LoRA on a checkpoint, precompute and scoring graphs) have CUDA kernels and run on the CPU.
 */
class MmeSidKernelAuditTest {
  @Test
  void trainingAndInferenceGraphsHaveCudaKernels(@TempDir Path tmp) {
    List<DeviceCheckCase> cases = MmeSidDeviceChecks.cases(tmp);
    assertEquals(List.of("mmesid_preset_grad", "mmesid_preset_opt", "mmesid_preset_precompute",
        "mmesid_preset_scores", "mmesid_lora_grad", "mmesid_lora_opt", "mmesid_lora_precompute",
        "mmesid_lora_scores"), cases.stream().map(DeviceCheckCase::name).toList());
    for (DeviceCheckCase c : cases) {
      CudaAudit.check(c, c.name().endsWith("_grad") ? 300 : 25);
    }
  }
}
