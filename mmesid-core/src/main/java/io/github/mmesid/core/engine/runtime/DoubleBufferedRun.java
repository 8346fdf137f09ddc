package io.github.mmesid.core.engine.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Repeated runs of a {@link CompiledGraph} in which chosen outputs of one step become inputs of
 * the next ("carried" values such as updated parameters or optimizer state), without copying.
 *
 * <p>ORT must not read and write the same memory within one run, so every carried value has two
 * buffers, A and B. Even steps read A and write B, odd steps read B and write A; the two {@link
 * PreparedRun}s are built once, so a {@link #step()} allocates nothing in this layer. {@link
 * #current(String)} always returns the buffer holding the latest value of a carried input (the
 * one the next step reads): initialise it before the first step and read results from it after.
 *
 * <p>Inputs and outputs that are not carried are bound once and shared by both runs. Not for
 * concurrent use; {@link #close()} is idempotent and also happens when the graph is closed.
 */
public final class DoubleBufferedRun implements AutoCloseable {
  private final CompiledGraph graph;
  private final PreparedRun readA;
  private final PreparedRun readB;
  private final Map<String, HostTensor[]> pairs;
  private final Map<String, String> carries;
  private final List<HostTensor> owned;
  private boolean readingB;
  private long steps;
  private volatile boolean closed;

  private DoubleBufferedRun(
      CompiledGraph graph,
      PreparedRun readA,
      PreparedRun readB,
      Map<String, HostTensor[]> pairs,
      Map<String, String> carries,
      List<HostTensor> owned) {
    this.graph = graph;
    this.readA = readA;
    this.readB = readB;
    this.pairs = pairs;
    this.carries = Collections.unmodifiableMap(carries);
    this.owned = owned;
  }

  /**
   * Runs one step: reads the current buffers of carried inputs, writes the other buffers, then
   * swaps so that {@link #current(String)} returns the values just written.
   */
  public void step() {
    if (closed) {
      throw new IllegalStateException("DoubleBufferedRun of graph '" + graph.name() + "' is closed; allowed: use before close()");
    }
    (readingB ? readB : readA).run();
    readingB = !readingB;
    steps++;
  }

  /**
   * The buffer holding the latest value of a carried input, which the next step reads.
   *
   * @param inputName the name of a carried input
   * @return its current buffer
   */
  public HostTensor current(String inputName) {
    HostTensor[] pair = pairs.get(inputName);
    if (pair == null) {
      throw new IllegalArgumentException(
          "Input name " + inputName + " is not carried in this DoubleBufferedRun of graph '" + graph.name()
              + "', expected one of " + pairs.keySet());
    }
    return readingB ? pair[1] : pair[0];
  }

  /**
   * A bound (not carried) output, written by every step.
   *
   * @param outputName the output name
   * @return its tensor
   */
  public HostTensor output(String outputName) {
    return readA.output(outputName);
  }

  /**
   * A bound (not carried) input, read by every step.
   *
   * @param inputName the input name
   * @return its tensor
   */
  public HostTensor input(String inputName) {
    if (pairs.containsKey(inputName)) {
      return current(inputName);
    }
    return readA.input(inputName);
  }

  /**
   * Carried output name to the input name it feeds.
   *
   * @return unmodifiable map
   */
  public Map<String, String> carries() {
    return carries;
  }

  /**
   * Number of completed steps.
   *
   * @return the step count
   */
  public long steps() {
    return steps;
  }

  /**
   * Whether {@link #close()} has been called (directly or by closing the graph).
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed;
  }

  /** Closes both prepared runs and the buffers this object allocated. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    graph.unregister(this);
    readA.close();
    readB.close();
    for (HostTensor t : owned) {
      t.close();
    }
  }

  /** Declares carried values and shared bindings of a {@link DoubleBufferedRun}. */
  public static final class Builder {
    private final CompiledGraph graph;
    private final Map<String, String> carries = new LinkedHashMap<>();
    private final Map<String, HostTensor[]> pairs = new LinkedHashMap<>();
    private final Map<String, HostTensor> inputs = new LinkedHashMap<>();
    private final Map<String, HostTensor> outputs = new LinkedHashMap<>();
    private final List<HostTensor> owned = new ArrayList<>();

    Builder(CompiledGraph graph) {
      this.graph = graph;
    }

    /**
     * Carries {@code output} of each step into {@code input} of the next, with two buffers
     * allocated from the input's static shape (owned and closed by the run).
     *
     * @param output an output name
     * @param input an input name with a static shape and the output's dtype
     * @return this builder
     */
    public Builder carry(String output, String input) {
      TensorSpec in = checkCarry(output, input);
      if (!in.isStatic()) {
        throw new IllegalArgumentException(
            "Input '" + input + "' has dynamic shape " + Arrays.toString(in.shape())
                + "; allowed: carry(output, input, a, b) with two tensors of the concrete shape");
      }
      HostTensor a = HostTensor.allocate(in.dtype(), in.shape());
      owned.add(a);
      HostTensor b = HostTensor.allocate(in.dtype(), in.shape());
      owned.add(b);
      return addCarry(output, input, a, b);
    }

    /**
     * Carries {@code output} of each step into {@code input} of the next using two caller-owned
     * buffers; step 0 reads {@code a}.
     *
     * @param output an output name
     * @param input an input name
     * @param a the buffer read by even steps and written by odd steps
     * @param b the buffer read by odd steps and written by even steps; distinct from {@code a}
     * @return this builder
     */
    public Builder carry(String output, String input, HostTensor a, HostTensor b) {
      checkCarry(output, input);
      if (a == b) {
        throw new IllegalArgumentException(
            "Carry " + output + " -> " + input + " got the same tensor twice; allowed: two distinct tensors (A and B)");
      }
      return addCarry(output, input, a, b);
    }

    private TensorSpec checkCarry(String output, String input) {
      TensorSpec out = graph.outputSpec(output);
      if (out == null) {
        throw graph.unknownOutput(output);
      }
      TensorSpec in = graph.inputSpec(input);
      if (in == null) {
        throw graph.unknownInput(input);
      }
      if (carries.containsKey(output) || outputs.containsKey(output)) {
        throw new IllegalArgumentException("Output '" + output + "' is already bound or carried; allowed: once");
      }
      if (pairs.containsKey(input) || inputs.containsKey(input)) {
        throw new IllegalArgumentException("Input '" + input + "' is already bound or carried; allowed: once");
      }
      if (!out.isSupported() || !in.isSupported() || out.dtype() != in.dtype()) {
        throw new IllegalArgumentException(
            "Cannot carry output " + out + " into input " + in + "; allowed: the same element type");
      }
      return in;
    }

    private Builder addCarry(String output, String input, HostTensor a, HostTensor b) {
      TensorSpec out = graph.outputSpec(output);
      TensorSpec in = graph.inputSpec(input);
      for (HostTensor t : new HostTensor[] {a, b}) {
        in.check("Input", t);
        out.check("Output", t);
      }
      if (!a.hasLayout(b.dtype(), b.shape())) {
        throw new IllegalArgumentException(
            "Carry " + output + " -> " + input + " got " + a.describe() + " and " + b.describe()
                + "; allowed: two tensors of the same dtype and shape");
      }
      carries.put(output, input);
      pairs.put(input, new HostTensor[] {a, b});
      return this;
    }

    /**
     * Binds an input read by every step.
     *
     * @param name an input name that is not carried
     * @param tensor its tensor
     * @return this builder
     */
    public Builder bindInput(String name, HostTensor tensor) {
      if (pairs.containsKey(name)) {
        throw new IllegalArgumentException("Input '" + name + "' is carried; allowed: bind it only once");
      }
      TensorSpec spec = graph.inputSpec(name);
      if (spec == null) {
        throw graph.unknownInput(name);
      }
      spec.check("Input", tensor);
      inputs.put(name, tensor);
      return this;
    }

    /**
     * Binds an output written by every step.
     *
     * @param name an output name that is not carried
     * @param tensor its tensor
     * @return this builder
     */
    public Builder bindOutput(String name, HostTensor tensor) {
      if (carries.containsKey(name)) {
        throw new IllegalArgumentException("Output '" + name + "' is carried; allowed: bind it only once");
      }
      TensorSpec spec = graph.outputSpec(name);
      if (spec == null) {
        throw graph.unknownOutput(name);
      }
      spec.check("Output", tensor);
      outputs.put(name, tensor);
      return this;
    }

    /**
     * Allocates and binds a tensor for a statically shaped output written by every step; owned
     * and closed by the run.
     *
     * @param name an output name with a static shape
     * @return the allocated tensor
     */
    public HostTensor allocateOutput(String name) {
      TensorSpec spec = graph.outputSpec(name);
      if (spec == null) {
        throw graph.unknownOutput(name);
      }
      if (!spec.isStatic()) {
        throw new IllegalArgumentException(
            "Output '" + name + "' has dynamic shape " + Arrays.toString(spec.shape())
                + "; allowed: bindOutput(name, tensor) with a tensor of the concrete shape");
      }
      HostTensor t = HostTensor.allocate(spec.dtype(), spec.shape());
      owned.add(t);
      bindOutput(name, t);
      return t;
    }

    /**
     * Builds the two prepared runs.
     *
     * @return the double-buffered run
     * @throws IllegalArgumentException if nothing is carried, an input is unbound or tensors alias
     */
    public DoubleBufferedRun build() {
      PreparedRun runA = null;
      PreparedRun runB = null;
      try {
        if (carries.isEmpty()) {
          throw new IllegalArgumentException(
              "Nothing is carried; allowed: carry(output, input) at least once, or use CompiledGraph.prepare()");
        }
        PreparedRun.Builder a = graph.prepare().bindInputs(inputs).bindOutputs(outputs);
        PreparedRun.Builder b = graph.prepare().bindInputs(inputs).bindOutputs(outputs);
        for (Map.Entry<String, String> c : carries.entrySet()) {
          HostTensor[] pair = pairs.get(c.getValue());
          a.bindInput(c.getValue(), pair[0]).bindOutput(c.getKey(), pair[1]);
          b.bindInput(c.getValue(), pair[1]).bindOutput(c.getKey(), pair[0]);
        }
        runA = a.build();
        runB = b.build();
        DoubleBufferedRun run =
            new DoubleBufferedRun(graph, runA, runB, new LinkedHashMap<>(pairs), new LinkedHashMap<>(carries), new ArrayList<>(owned));
        graph.register(run);
        if (graph.isClosed()) {
          run.close();
          graph.checkOpen();
        }
        return run;
      } catch (RuntimeException e) {
        if (runA != null) {
          runA.close();
        }
        if (runB != null) {
          runB.close();
        }
        for (HostTensor t : owned) {
          t.close();
        }
        throw e;
      }
    }
  }
}
