package io.github.mmesid.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.core.engine.check.KernelAudit;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MM-RQ-VAE's graphs ({@link RqVaeDeviceChecks}: training updates, encode, decode) have CUDA
 * kernels (ONNX Runtime 1.29's table) and run on the CPU.
 */
class RqVaeKernelAuditTest {
  private static final Logger LOG = LoggerFactory.getLogger(RqVaeKernelAuditTest.class);

  /**
   * Nodes allowed to lack a CUDA kernel (reason, bytes per run at the audited sizes). Empty: every
   * node of every audited graph has one (benchmarks/RESULTS.md).
   */
  static final List<KernelAudit.Allowance> ALLOWED = List.of();

  @Test
  void trainingEncodeAndDecodeGraphsHaveCudaKernels() {
    List<DeviceCheckCase> cases = RqVaeDeviceChecks.cases();
    assertEquals(List.of("mmrqvae_mmd_infonce_grad", "mmrqvae_mmd_infonce_opt",
        "mmrqvae_mse_mmd_grad", "mmrqvae_mse_mmd_opt", "rqvae_encode", "rqvae_decode"),
        cases.stream().map(DeviceCheckCase::name).toList());
    for (DeviceCheckCase c : cases) {
      DeviceCheckCase.Audit a = c.audit(ALLOWED);
      LOG.info("kernel audit {}: {} nodes, {} without a CUDA kernel", c.name(),
          a.report().nodes().size(), a.report().failures().size());
      assertTrue(a.report().nodes().size() >= (c.name().endsWith("_grad") ? 300 : 5),
          a.report().describe());
      assertEquals(List.of(), a.violations(), a.report().describe());
      Map<String, TensorData> out = c.run(RuntimeOptions.builder().intraOpThreads(1).build());
      assertEquals(c.exported().outputs().size(), out.size(), c.name());
    }
  }
}
