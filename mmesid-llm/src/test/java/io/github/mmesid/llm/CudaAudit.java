package io.github.mmesid.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.KernelAudit;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel audit of this module's graphs against ONNX Runtime 1.29's CUDA kernels: every node
 * must have a CUDA kernel for its element types, unless {@link #ALLOWED} lists it.
 */
public final class CudaAudit {
  private static final Logger LOG = LoggerFactory.getLogger(CudaAudit.class);

  /**
   * Nodes allowed to lack a CUDA kernel, with the reason and the bytes they move per run at the
   * audited sizes. Empty: every node of every audited graph has one (benchmarks/RESULTS.md).
   */
  public static final List<KernelAudit.Allowance> ALLOWED = List.of();

  /**
   * Trainers and predictors built for CUDA (PREFER: on a machine without it they run on the CPU,
   * but export as for the device: frozen weights as initializers, dropout noise in the graph).
   */
  public static final RuntimeOptions CUDA = RuntimeOptions.builder().intraOpThreads(1)
      .provider(ExecutionProvider.cuda(0, ExecutionProvider.Policy.PREFER)).build();

  private CudaAudit() {}

  /**
   * Audits an exported graph and fails on nodes without a kernel that {@link #ALLOWED} does not
   * cover.
   *
   * @param exported the export
   * @param graph the graph it was exported from (for byte figures)
   * @param dims the audited sizes of the symbolic dimensions
   * @param minNodes the least number of nodes the graph must have (guards against auditing an
   *     empty or wrong graph)
   * @return the report
   */
  public static KernelAudit.Report check(ExportedGraph exported, Graph graph,
      Map<String, Long> dims, int minNodes) {
    KernelAudit.Report r = KernelAudit.audit(exported.model());
    LOG.info("kernel audit {}: {} nodes, {} without a CUDA kernel; ops {}", r.graph(),
        r.nodes().size(), r.failures().size(), r.opCounts());
    assertTrue(r.nodes().size() >= minNodes, r.graph() + " has " + r.nodes().size() + " nodes");
    assertEquals(List.of(), KernelAudit.violations(r, ALLOWED,
        KernelAudit.shapes(graph, exported, dims)), r.describe());
    return r;
  }

  /**
   * Audits an inference graph as {@link Predictor#create} exports it.
   *
   * @param outputs the graph's outputs
   * @param parameters parameter values
   * @param frozenAsInitializers as the model's predictor is created
   * @param dims the audited sizes
   * @param minNodes the least number of nodes
   * @return the report
   */
  public static KernelAudit.Report checkInference(Map<String, Tensor> outputs,
      ParameterSnapshot parameters, boolean frozenAsInitializers, Map<String, Long> dims,
      int minNodes) {
    Graph g = outputs.values().iterator().next().graph();
    return check(Predictor.export(g, outputs, parameters, frozenAsInitializers), g, dims,
        minNodes);
  }
}
