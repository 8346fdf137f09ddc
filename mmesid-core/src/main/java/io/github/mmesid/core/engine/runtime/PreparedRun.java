package io.github.mmesid.core.engine.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run of a {@link CompiledGraph} whose inputs and outputs are bound once to {@link
 * HostTensor}s. Every {@link #run()} lets ORT read the input buffers in place and write the
 * requested outputs straight into the bound output buffers ("pinned outputs").
 *
 * <p>Everything ORT needs (name and handle arrays, {@code RunOptions}) is built once here. With
 * ORT 1.29 the run goes straight to ORT's JNI entry point and allocates only the 1-element-per-
 * output {@code boolean[]} the JNI code returns (about 24 bytes); with other ORT versions it
 * falls back to the public {@code OrtSession.run(inputs, requested, pinnedOutputs, runOptions)},
 * whose {@code Result} is closed without closing the pinned outputs (they are not owned by it) and
 * which allocates a few hundred bytes per call inside ORT-Java (see {@link DirectRun}).
 *
 * <p>Only the bound outputs are computed. An input and an output must never share memory in one
 * run (ORT kernels read inputs while writing outputs); to feed outputs into the next step, use
 * two sets of buffers and two prepared runs that swap roles each step (as the trainer does for
 * parameters and optimizer state).
 *
 * <p>A prepared run is not meant for concurrent {@code run()} calls (they would write the same
 * output buffers); separate prepared runs of one graph may run concurrently. Closing it (or its
 * graph) releases its native {@code RunOptions}; the bound tensors stay open and belong to the
 * caller, except those created with {@link Builder#allocateOutput(String)}.
 */
public final class PreparedRun implements AutoCloseable {
  private final CompiledGraph graph;
  private final Map<String, OnnxTensor> ortInputs;
  private final Map<String, OnnxTensor> ortOutputs;
  private final HostTensor[] bound;
  private final Map<String, HostTensor> inputs;
  private final Map<String, HostTensor> outputs;
  private final List<HostTensor> owned;
  private final OrtSession.RunOptions runOptions;
  private final boolean direct;
  private final String[] inputNames;
  private final long[] inputHandles;
  private final String[] outputNames;
  private final OnnxValue[] outputValues;
  private final long[] outputHandles;
  private final long runOptionsHandle;
  private volatile boolean closed;

  private PreparedRun(
      CompiledGraph graph,
      Map<String, HostTensor> inputs,
      Map<String, HostTensor> outputs,
      List<HostTensor> owned,
      OrtSession.RunOptions runOptions,
      boolean allowDirect) {
    this.graph = graph;
    this.inputs = Collections.unmodifiableMap(inputs);
    this.outputs = Collections.unmodifiableMap(outputs);
    this.owned = owned;
    this.runOptions = runOptions;
    this.ortInputs = new HashMap<>();
    for (Map.Entry<String, HostTensor> e : inputs.entrySet()) {
      ortInputs.put(e.getKey(), e.getValue().ortTensor());
    }
    this.ortOutputs = new HashMap<>();
    for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
      ortOutputs.put(e.getKey(), e.getValue().ortTensor());
    }
    List<HostTensor> all = new ArrayList<>(inputs.values());
    all.addAll(outputs.values());
    this.bound = all.toArray(new HostTensor[0]);
    this.direct = allowDirect && graph.supportsDirectRun();
    this.inputNames = inputs.keySet().toArray(new String[0]);
    this.outputNames = outputs.keySet().toArray(new String[0]);
    this.inputHandles = new long[inputNames.length];
    this.outputValues = new OnnxValue[outputNames.length];
    this.outputHandles = new long[outputNames.length];
    if (direct) {
      for (int i = 0; i < inputNames.length; i++) {
        inputHandles[i] = DirectRun.handle(ortInputs.get(inputNames[i]));
      }
      for (int i = 0; i < outputNames.length; i++) {
        OnnxTensor t = ortOutputs.get(outputNames[i]);
        outputValues[i] = t;
        outputHandles[i] = DirectRun.handle(t);
      }
      this.runOptionsHandle = DirectRun.handle(runOptions);
    } else {
      this.runOptionsHandle = 0;
    }
  }

  /**
   * Runs the graph once: reads the bound inputs, writes the bound outputs.
   *
   * @throws IllegalStateException if this run, its graph or a bound tensor is closed
   * @throws GraphExecutionException if ORT fails (e.g. a dynamic output's real shape differs from
   *     the bound tensor's shape)
   */
  public void run() {
    if (closed) {
      throw new IllegalStateException("PreparedRun of graph '" + graph.name() + "' is closed; allowed: use before close()");
    }
    for (HostTensor t : bound) {
      if (t.isClosed()) {
        throw new IllegalStateException(
            "A tensor bound to this PreparedRun of graph '" + graph.name() + "' (" + t.describe()
                + ") was closed; allowed: close bound tensors only after the PreparedRun");
      }
    }
    if (direct) {
      graph.executeDirect(inputNames, inputHandles, outputNames, outputValues, outputHandles, runOptionsHandle);
    } else {
      graph.execute(ortInputs, ortOutputs, runOptions);
    }
  }

  /** Whether runs go through the allocation-free JNI path ({@link DirectRun}). */
  boolean isDirect() {
    return direct;
  }

  /**
   * The tensor bound to an input.
   *
   * @param name an input name
   * @return the bound tensor
   */
  public HostTensor input(String name) {
    HostTensor t = inputs.get(name);
    if (t == null) {
      throw graph.unknownInput(name);
    }
    return t;
  }

  /**
   * The tensor bound to an output.
   *
   * @param name a bound output name
   * @return the bound tensor
   */
  public HostTensor output(String name) {
    HostTensor t = outputs.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "Output name " + name + " is not bound in this PreparedRun of graph '" + graph.name() + "', expected one of "
              + outputs.keySet());
    }
    return t;
  }

  /**
   * All bound inputs.
   *
   * @return unmodifiable map from input name to tensor
   */
  public Map<String, HostTensor> inputs() {
    return inputs;
  }

  /**
   * All bound outputs.
   *
   * @return unmodifiable map from output name to tensor
   */
  public Map<String, HostTensor> outputs() {
    return outputs;
  }

  /**
   * The graph this run belongs to.
   *
   * @return the graph
   */
  public CompiledGraph graph() {
    return graph;
  }

  /**
   * Whether {@link #close()} has been called (directly or by closing the graph).
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Releases the native run options and the outputs this run allocated itself. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    graph.unregister(this);
    runOptions.close();
    for (HostTensor t : owned) {
      t.close();
    }
  }

  /** Binds the tensors of a {@link PreparedRun}; validation happens in {@link #build()}. */
  public static final class Builder {
    private final CompiledGraph graph;
    private final Map<String, HostTensor> inputs = new LinkedHashMap<>();
    private final Map<String, HostTensor> outputs = new LinkedHashMap<>();
    private final List<HostTensor> owned = new ArrayList<>();
    private boolean allowDirect = true;

    Builder(CompiledGraph graph) {
      this.graph = graph;
    }

    /** Forces the public ORT API path (for tests comparing both paths). */
    Builder allowDirect(boolean value) {
      this.allowDirect = value;
      return this;
    }

    /**
     * Binds an input.
     *
     * @param name an input name of the graph
     * @param tensor an open tensor of the input's dtype and a fitting shape
     * @return this builder
     */
    public Builder bindInput(String name, HostTensor tensor) {
      TensorSpec spec = graph.inputSpec(name);
      if (spec == null) {
        throw graph.unknownInput(name);
      }
      spec.check("Input", tensor);
      inputs.put(name, tensor);
      return this;
    }

    /**
     * Binds several inputs.
     *
     * @param tensors input name to tensor
     * @return this builder
     */
    public Builder bindInputs(Map<String, HostTensor> tensors) {
      for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
        bindInput(e.getKey(), e.getValue());
      }
      return this;
    }

    /**
     * Binds an output to a tensor ORT will write into (a pinned output).
     *
     * @param name an output name of the graph
     * @param tensor an open tensor of the output's dtype and exactly the shape the graph produces
     * @return this builder
     */
    public Builder bindOutput(String name, HostTensor tensor) {
      TensorSpec spec = graph.outputSpec(name);
      if (spec == null) {
        throw graph.unknownOutput(name);
      }
      spec.check("Output", tensor);
      outputs.put(name, tensor);
      return this;
    }

    /**
     * Binds several outputs.
     *
     * @param tensors output name to tensor
     * @return this builder
     */
    public Builder bindOutputs(Map<String, HostTensor> tensors) {
      for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
        bindOutput(e.getKey(), e.getValue());
      }
      return this;
    }

    /**
     * Allocates a tensor for an output with a fully static shape and binds it; the prepared run
     * owns it and closes it when closed.
     *
     * @param name an output name whose shape has no dynamic dimension
     * @return the allocated tensor
     */
    public HostTensor allocateOutput(String name) {
      TensorSpec spec = graph.outputSpec(name);
      if (spec == null) {
        throw graph.unknownOutput(name);
      }
      if (!spec.isStatic()) {
        throw new IllegalArgumentException(
            "Output '" + name + "' has dynamic shape " + java.util.Arrays.toString(spec.shape())
                + "; allowed: bindOutput(name, tensor) with a tensor of the concrete shape");
      }
      HostTensor t = HostTensor.allocate(spec.dtype(), spec.shape());
      owned.add(t);
      outputs.put(name, t);
      return t;
    }

    private OrtSession.RunOptions newRunOptions() {
      OrtSession.RunOptions ro = null;
      try {
        ro = new OrtSession.RunOptions();
        ro.setLogLevel(graph.options().logSeverity().toOrt());
        return ro;
      } catch (OrtException e) {
        if (ro != null) {
          ro.close();
        }
        throw new GraphExecutionException("Creating RunOptions for graph '" + graph.name() + "'", e);
      }
    }

    /**
     * Validates the bindings and builds the run.
     *
     * @return the prepared run; close it (or its graph) when done
     * @throws IllegalArgumentException if an input is unbound, no output is bound, or a tensor is
     *     bound as both an input and an output, or to two outputs
     */
    public PreparedRun build() {
      try {
        graph.checkOpen();
        graph.checkAllInputs(inputs.keySet());
        if (outputs.isEmpty()) {
          throw new IllegalArgumentException(
              "No outputs bound for graph '" + graph.name() + "'; allowed: bind one or more of " + graph.outputNames());
        }
        Map<HostTensor, String> inputOwners = new IdentityHashMap<>();
        for (Map.Entry<String, HostTensor> e : inputs.entrySet()) {
          inputOwners.put(e.getValue(), e.getKey());
        }
        Map<HostTensor, String> outputOwners = new IdentityHashMap<>();
        for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
          String asInput = inputOwners.get(e.getValue());
          if (asInput != null) {
            throw new IllegalArgumentException(
                "The same tensor is bound to input '" + asInput + "' and output '" + e.getKey() + "' of graph '" + graph.name()
                    + "'; ORT must not alias an input and an output in one run. Allowed: distinct tensors (use"
                    + " two buffers that swap roles to feed an output into the next step)");
          }
          String other = outputOwners.put(e.getValue(), e.getKey());
          if (other != null) {
            throw new IllegalArgumentException(
                "The same tensor is bound to outputs '" + other + "' and '" + e.getKey() + "' of graph '" + graph.name()
                    + "'; allowed: one tensor per output");
          }
        }
        OrtSession.RunOptions ro = newRunOptions();
        PreparedRun run = new PreparedRun(graph, new LinkedHashMap<>(inputs), new LinkedHashMap<>(outputs), new ArrayList<>(owned), ro, allowDirect);
        graph.register(run);
        if (graph.isClosed()) {
          run.close();
          graph.checkOpen();
        }
        return run;
      } catch (RuntimeException e) {
        for (HostTensor t : owned) {
          t.close();
        }
        throw e;
      }
    }
  }
}
