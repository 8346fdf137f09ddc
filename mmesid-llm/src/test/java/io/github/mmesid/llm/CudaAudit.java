package io.github.mmesid.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.core.engine.check.KernelAudit;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel audit of this module's device-check cases against ONNX Runtime 1.29's CUDA kernels:
 * every node must have a CUDA kernel for its element types, unless {@link #ALLOWED} lists it.
 */
public final class CudaAudit {
  private static final Logger LOG = LoggerFactory.getLogger(CudaAudit.class);

  /**
   * Nodes allowed to lack a CUDA kernel, with the reason and the bytes they move per run at the
   * audited sizes. Empty: every node of every audited graph has one (benchmarks/RESULTS.md).
   */
  public static final List<KernelAudit.Allowance> ALLOWED = List.of();

  private CudaAudit() {}

  /**
   * Audits a case, fails on nodes without a kernel that {@link #ALLOWED} does not cover, and runs
   * it on the CPU (its inputs are complete and its outputs finite, as the GPU check needs).
   *
   * @param c the case
   * @param minNodes the least number of nodes the graph must have (guards against auditing an
   *     empty or wrong graph)
   * @return the report
   */
  public static KernelAudit.Report check(DeviceCheckCase c, int minNodes) {
    DeviceCheckCase.Audit a = c.audit(ALLOWED);
    KernelAudit.Report r = a.report();
    LOG.info("kernel audit {} ({}): {} nodes, {} without a CUDA kernel; ops {}", c.name(),
        r.graph(), r.nodes().size(), r.failures().size(), r.opCounts());
    assertTrue(r.nodes().size() >= minNodes, c.name() + " has " + r.nodes().size() + " nodes");
    assertEquals(List.of(), a.violations(), r.describe());
    Map<String, TensorData> out = c.run(RuntimeOptions.builder().intraOpThreads(1).build());
    assertEquals(c.exported().outputs().size(), out.size(), c.name());
    out.forEach((k, v) -> {
      if (v.dtype() == DType.FLOAT32 || v.dtype() == DType.FLOAT64) {
        for (double d : v.toDoubles()) {
          assertTrue(Double.isFinite(d), c.name() + " output " + k + " is not finite");
        }
      }
    });
    return r;
  }
}
