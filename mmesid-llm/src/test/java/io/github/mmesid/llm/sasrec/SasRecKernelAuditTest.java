package io.github.mmesid.llm.sasrec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.llm.CudaAudit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SASRec's graphs ({@link SasRecDeviceChecks}) have CUDA kernels and run on the CPU. */
class SasRecKernelAuditTest {
  @Test
  void trainingAndScoringGraphsHaveCudaKernels() {
    List<DeviceCheckCase> cases = SasRecDeviceChecks.cases();
    assertEquals(List.of("sasrec_cross_entropy_grad", "sasrec_cross_entropy_opt",
        "sasrec_sampled_bce_grad", "sasrec_sampled_bce_opt", "sasrec_scores"),
        cases.stream().map(DeviceCheckCase::name).toList());
    for (DeviceCheckCase c : cases) {
      CudaAudit.check(c, c.name().endsWith("_grad") ? 300 : 50);
    }
  }
}
