package io.github.mmesid.core.engine.train;

import io.github.mmesid.core.engine.graph.ExportOptions;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.OnnxExporter;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.CompiledGraph;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An inference session over (part of) a graph with given parameter values (e.g. a {@link
 * TrainingResult}'s): parameters are embedded as initializers, large frozen weights are bound
 * without copying. {@link #run(Map)} is thread-safe.
 */
public final class Predictor implements AutoCloseable {
  private final CompiledGraph compiled;
  private final List<HostTensor> owned = new ArrayList<>();
  private final Map<String, HostTensor> constantFeeds = new HashMap<>();

  private Predictor(CompiledGraph compiled) {
    this.compiled = compiled;
  }

  /**
   * Compiles the outputs of a graph; large frozen weights are bound as run inputs (never copied).
   *
   * @param graph the graph
   * @param outputs output name to tensor
   * @param parameters parameter values (missing parameters keep their initial values)
   * @param options runtime options
   * @return the predictor
   */
  public static Predictor create(Graph graph, Map<String, Tensor> outputs,
      ParameterSnapshot parameters, RuntimeOptions options) {
    return create(graph, outputs, parameters, options, false);
  }

  /**
   * Compiles the outputs of a graph.
   *
   * @param graph the graph
   * @param outputs output name to tensor
   * @param parameters parameter values (missing parameters keep their initial values)
   * @param options runtime options
   * @param frozenAsInitializers supply large frozen weights as initializers (ONNX Runtime copies
   *     them into the session and may constant-fold and pre-pack them: faster for small batches,
   *     one more copy of the weights) instead of binding them as run inputs (read in place)
   * @return the predictor
   */
  public static Predictor create(Graph graph, Map<String, Tensor> outputs,
      ParameterSnapshot parameters, RuntimeOptions options, boolean frozenAsInitializers) {
    ExportedGraph e = export(graph, outputs, parameters, frozenAsInitializers);
    List<HostTensor> owned = new ArrayList<>();
    Map<String, HostTensor> external = new HashMap<>();
    try {
      for (Map.Entry<String, TensorData> x : e.externalValues().entrySet()) {
        HostTensor h = HostTensors.toHostShared(x.getValue());
        owned.add(h);
        external.put(x.getKey(), h);
      }
      CompiledGraph compiled = frozenAsInitializers
          ? OrtRuntime.get().compile(e.model(), external, options)
          : OrtRuntime.get().compile(e.model(), options);
      Predictor pr = new Predictor(compiled);
      pr.owned.addAll(owned);
      if (!frozenAsInitializers) {
        pr.constantFeeds.putAll(external);
      }
      return pr;
    } catch (RuntimeException ex) {
      owned.forEach(HostTensor::close);
      throw ex;
    }
  }

  /**
   * The model {@link #create(Graph, Map, ParameterSnapshot, RuntimeOptions, boolean)} compiles,
   * without compiling it (e.g. to audit its nodes with {@link
   * io.github.mmesid.core.engine.check.KernelAudit} or to save it).
   *
   * @param graph the graph
   * @param outputs output name to tensor
   * @param parameters parameter values (missing parameters keep their initial values)
   * @param frozenAsInitializers as in {@code create}
   * @return the exported graph
   */
  public static ExportedGraph export(Graph graph, Map<String, Tensor> outputs,
      ParameterSnapshot parameters, boolean frozenAsInitializers) {
    Map<String, TensorData> values = new HashMap<>();
    for (Tensor p : graph.parameters()) {
      if (parameters.names().contains(p.name())) {
        values.put(p.name(), parameters.get(p.name()));
      }
    }
    return OnnxExporter.export(graph, outputs,
        ExportOptions.inference().withExternalAsInitializers(frozenAsInitializers), values);
  }

  /**
   * The compiled graph (input and output descriptions).
   *
   * @return the graph
   */
  public CompiledGraph graph() {
    return compiled;
  }

  /**
   * Runs the graph.
   *
   * @param feeds run-time inputs by name ({@link HostTensor}s or arrays, see {@link
   *     CompiledGraph#run(Map)})
   * @return fresh outputs, to be closed by the caller
   */
  public RunOutputs run(Map<String, ?> feeds) {
    if (constantFeeds.isEmpty()) {
      return compiled.run(feeds);
    }
    Map<String, Object> all = new HashMap<>(feeds);
    all.putAll(constantFeeds);
    return compiled.run(all);
  }

  /** Closes the session and owned buffers; idempotent. */
  @Override
  public void close() {
    compiled.close();
    owned.forEach(HostTensor::close);
  }
}
