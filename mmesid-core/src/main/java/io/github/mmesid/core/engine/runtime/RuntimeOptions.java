package io.github.mmesid.core.engine.runtime;

/**
 * How ONNX Runtime sessions are configured. Immutable and validated; build one with {@link
 * #builder()} or take {@link #defaults()}.
 *
 * @param provider the execution provider (default CPU)
 * @param intraOpThreads threads used inside one operator, {@code >= 1} (default: available
 *     processors)
 * @param interOpThreads threads running independent operators concurrently, {@code >= 1}
 *     (default 1, which means sequential execution; more than 1 switches ORT to parallel
 *     execution mode)
 * @param optimizationLevel graph optimisation level (default ALL)
 * @param deterministicCompute ask kernels for deterministic algorithms where they have a choice
 *     (default false)
 * @param memoryPattern let ORT plan and reuse intermediate memory across runs with identical
 *     input shapes (default true)
 * @param cpuArena use ORT's CPU arena allocator for intermediates (default true)
 * @param logSeverity minimum severity of ORT's native log for the session (default WARNING)
 * @param threadSpinning let idle intra-op worker threads busy-wait for the next operator (default
 *     false, unlike ORT's own default). A training step runs two sessions (gradients, then the
 *     optimizer) back to back, each with its own thread pool; with spinning, the idle pool's
 *     workers busy-wait on the cores the running session needs: the MLP train step of {@code
 *     TrainStepBenchmark} took 48.7 ms with spinning and 26.1 ms without on 2 cores, while a
 *     single session alone ran equally fast either way (see benchmarks/RESULTS.md)
 */
public record RuntimeOptions(
    ExecutionProvider provider,
    int intraOpThreads,
    int interOpThreads,
    OptimizationLevel optimizationLevel,
    boolean deterministicCompute,
    boolean memoryPattern,
    boolean cpuArena,
    LogSeverity logSeverity,
    boolean threadSpinning) {

  /** Upper bound accepted for thread counts; far above any real machine, it catches typos. */
  public static final int MAX_THREADS = 4096;

  /**
   * Validates the components.
   *
   * @param provider not null
   * @param intraOpThreads in [1, {@value #MAX_THREADS}]
   * @param interOpThreads in [1, {@value #MAX_THREADS}]
   * @param optimizationLevel not null
   * @param deterministicCompute any
   * @param memoryPattern any
   * @param cpuArena any
   * @param logSeverity not null
   * @param threadSpinning any
   */
  public RuntimeOptions {
    if (provider == null) {
      throw new IllegalArgumentException("provider must not be null; allowed: ExecutionProvider.cpu() or ExecutionProvider.cuda(...)");
    }
    checkThreads("intraOpThreads", intraOpThreads);
    checkThreads("interOpThreads", interOpThreads);
    if (optimizationLevel == null) {
      throw new IllegalArgumentException("optimizationLevel must not be null; allowed: NONE, BASIC, EXTENDED, ALL");
    }
    if (logSeverity == null) {
      throw new IllegalArgumentException("logSeverity must not be null; allowed: VERBOSE, INFO, WARNING, ERROR, FATAL");
    }
  }

  private static void checkThreads(String name, int value) {
    if (value < 1 || value > MAX_THREADS) {
      throw new IllegalArgumentException(name + " was " + value + "; allowed: 1.." + MAX_THREADS);
    }
  }

  /**
   * The default options: CPU, intra-op threads = available processors, 1 inter-op thread,
   * optimisation ALL, non-deterministic, memory pattern and arena on, WARNING log, spinning off.
   *
   * @return default options
   */
  public static RuntimeOptions defaults() {
    return builder().build();
  }

  /**
   * A builder initialised with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder initialised with these options, for deriving a variant.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.provider = provider;
    b.intraOpThreads = intraOpThreads;
    b.interOpThreads = interOpThreads;
    b.optimizationLevel = optimizationLevel;
    b.deterministicCompute = deterministicCompute;
    b.memoryPattern = memoryPattern;
    b.cpuArena = cpuArena;
    b.logSeverity = logSeverity;
    b.threadSpinning = threadSpinning;
    return b;
  }

  /** Mutable builder of {@link RuntimeOptions}; validation happens in {@link #build()}. */
  public static final class Builder {
    private ExecutionProvider provider = ExecutionProvider.cpu();
    private int intraOpThreads = Runtime.getRuntime().availableProcessors();
    private int interOpThreads = 1;
    private OptimizationLevel optimizationLevel = OptimizationLevel.ALL;
    private boolean deterministicCompute;
    private boolean memoryPattern = true;
    private boolean cpuArena = true;
    private LogSeverity logSeverity = LogSeverity.WARNING;
    private boolean threadSpinning = false;

    private Builder() {}

    /**
     * Sets the execution provider.
     *
     * @param value the provider
     * @return this builder
     */
    public Builder provider(ExecutionProvider value) {
      this.provider = value;
      return this;
    }

    /**
     * Sets the number of intra-operator threads.
     *
     * @param value threads, {@code >= 1}
     * @return this builder
     */
    public Builder intraOpThreads(int value) {
      this.intraOpThreads = value;
      return this;
    }

    /**
     * Sets the number of inter-operator threads.
     *
     * @param value threads, {@code >= 1}
     * @return this builder
     */
    public Builder interOpThreads(int value) {
      this.interOpThreads = value;
      return this;
    }

    /**
     * Sets the graph optimisation level.
     *
     * @param value the level
     * @return this builder
     */
    public Builder optimizationLevel(OptimizationLevel value) {
      this.optimizationLevel = value;
      return this;
    }

    /**
     * Asks for deterministic kernels.
     *
     * @param value true for deterministic compute
     * @return this builder
     */
    public Builder deterministicCompute(boolean value) {
      this.deterministicCompute = value;
      return this;
    }

    /**
     * Enables or disables ORT's memory-pattern planning.
     *
     * @param value true to enable
     * @return this builder
     */
    public Builder memoryPattern(boolean value) {
      this.memoryPattern = value;
      return this;
    }

    /**
     * Enables or disables ORT's CPU arena allocator.
     *
     * @param value true to enable
     * @return this builder
     */
    public Builder cpuArena(boolean value) {
      this.cpuArena = value;
      return this;
    }

    /**
     * Sets the minimum severity of ORT's native log.
     *
     * @param value the severity
     * @return this builder
     */
    public Builder logSeverity(LogSeverity value) {
      this.logSeverity = value;
      return this;
    }

    /**
     * Lets idle intra-op threads busy-wait (true, ORT's default) or sleep (false, the SDK's
     * default; see the record's documentation).
     *
     * @param value true to allow spinning
     * @return this builder
     */
    public Builder threadSpinning(boolean value) {
      this.threadSpinning = value;
      return this;
    }

    /**
     * Validates and builds the options.
     *
     * @return the options
     * @throws IllegalArgumentException if a value is out of range or null
     */
    public RuntimeOptions build() {
      return new RuntimeOptions(
          provider,
          intraOpThreads,
          interOpThreads,
          optimizationLevel,
          deterministicCompute,
          memoryPattern,
          cpuArena,
          logSeverity,
          threadSpinning);
    }
  }
}
