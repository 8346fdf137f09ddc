package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.UncheckedIOException;
import java.nio.Buffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.StampedLock;

/**
 * An ONNX graph loaded into an ONNX Runtime inference session, ready to run many times.
 *
 * <p>Create one with {@link #builder(ModelProto)} (or {@link OrtRuntime#compile}). Large frozen
 * weights are supplied as external initializers (see {@link InitializerDeclarations} for what the
 * model must declare and whether ORT copies or shares the memory); the graph keeps every supplied
 * buffer reachable until it is closed.
 *
 * <p>For training loops use {@link #prepare()}: a {@link PreparedRun} binds inputs and pinned
 * outputs to {@link HostTensor}s once, after which each {@link PreparedRun#run()} allocates
 * nothing in this layer. {@link #run(Map)} is a convenience for inference and tests that returns
 * freshly allocated outputs.
 *
 * <p>{@code run} methods are thread-safe (ORT sessions allow concurrent runs); {@link #close()}
 * waits for running calls, is idempotent, and closes the graph's prepared runs. Any use after
 * close throws {@link IllegalStateException}.
 */
public final class CompiledGraph implements AutoCloseable {

  private static final Set<String> NO_REQUESTED_OUTPUTS = Collections.emptySet();

  private final String name;
  private final OrtSession session;
  private final ExecutionProvider provider;
  private final RuntimeOptions options;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final Map<String, TensorSpec> inputByName;
  private final Map<String, TensorSpec> outputByName;
  private final Map<String, InitializerDeclarations.Binding> initializerBindings;
  private final List<HostTensor> keptInitializers;
  private final List<HostTensor> ownedInitializers;
  private final Set<AutoCloseable> children = ConcurrentHashMap.newKeySet();
  private final StampedLock lock = new StampedLock();
  private final DirectRun.SessionHandles directHandles;
  private volatile boolean closed;

  private CompiledGraph(
      String name,
      SessionFactory.Created created,
      RuntimeOptions options,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      Map<String, InitializerDeclarations.Binding> initializerBindings,
      List<HostTensor> keptInitializers,
      List<HostTensor> ownedInitializers) {
    this.name = name;
    this.session = created.session;
    this.provider = created.provider;
    this.options = options;
    this.inputs = Collections.unmodifiableList(inputs);
    this.outputs = Collections.unmodifiableList(outputs);
    this.inputByName = indexByName(inputs);
    this.outputByName = indexByName(outputs);
    this.initializerBindings = Collections.unmodifiableMap(initializerBindings);
    this.keptInitializers = keptInitializers;
    this.ownedInitializers = ownedInitializers;
    this.directHandles = DirectRun.available() ? DirectRun.handles(session) : null;
  }

  private static Map<String, TensorSpec> indexByName(List<TensorSpec> specs) {
    Map<String, TensorSpec> m = new LinkedHashMap<>();
    for (TensorSpec s : specs) {
      m.put(s.name(), s);
    }
    return Collections.unmodifiableMap(m);
  }

  /**
   * Starts building a graph from a model protobuf.
   *
   * @param model the ONNX model
   * @return a builder
   */
  public static Builder builder(ModelProto model) {
    if (model == null) {
      throw new IllegalArgumentException("model must not be null; allowed: an ONNX ModelProto");
    }
    return new Builder(model, null);
  }

  /**
   * Starts building a graph from a serialized model.
   *
   * @param model the serialized ONNX model (ORT copies it; the array may be reused afterwards)
   * @return a builder
   */
  public static Builder builder(byte[] model) {
    if (model == null || model.length == 0) {
      throw new IllegalArgumentException("model bytes were empty; allowed: a serialized ONNX ModelProto");
    }
    return new Builder(null, model);
  }

  /**
   * Starts building a graph from an ONNX file, such as a {@code model.onnx} exported by another
   * framework. ONNX Runtime reads the file itself (the model never passes through the Java heap)
   * and resolves external-data files the model references relative to the file's directory.
   * External initializers cannot be supplied for a file; use {@link #builder(byte[])} or {@link
   * #builder(ModelProto)} for that.
   *
   * @param modelFile path of a serialized ONNX model
   * @return a builder; the graph is named after the file
   * @throws UncheckedIOException if the file does not exist or is not a regular, readable file
   */
  public static Builder builder(Path modelFile) {
    if (modelFile == null) {
      throw new IllegalArgumentException("modelFile must not be null; allowed: the path of an .onnx file");
    }
    if (!Files.isRegularFile(modelFile)) {
      String why = Files.isDirectory(modelFile) ? "is a directory" : "no such file";
      throw new UncheckedIOException(modelFile + ": " + why + "; allowed: the path of an ONNX model file (.onnx)",
          new NoSuchFileException(modelFile.toString()));
    }
    if (!Files.isReadable(modelFile)) {
      throw new UncheckedIOException(modelFile + ": not readable; allowed: a readable ONNX model file",
          new AccessDeniedException(modelFile.toString()));
    }
    return new Builder(modelFile.toAbsolutePath());
  }

  // ---------------------------------------------------------------- metadata

  /**
   * The graph name (from the model, used in messages).
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The provider the session really runs on (CPU after a PREFER fallback).
   *
   * @return the effective provider
   */
  public ExecutionProvider provider() {
    return provider;
  }

  /**
   * The options the graph was compiled with.
   *
   * @return the options
   */
  public RuntimeOptions options() {
    return options;
  }

  /**
   * The graph inputs that a run must bind, in model order (initializers are not listed).
   *
   * @return unmodifiable list of input specs
   */
  public List<TensorSpec> inputs() {
    return inputs;
  }

  /**
   * The graph outputs in model order.
   *
   * @return unmodifiable list of output specs
   */
  public List<TensorSpec> outputs() {
    return outputs;
  }

  /**
   * The input names in model order.
   *
   * @return unmodifiable list of names
   */
  public List<String> inputNames() {
    return List.copyOf(inputByName.keySet());
  }

  /**
   * The output names in model order.
   *
   * @return unmodifiable list of names
   */
  public List<String> outputNames() {
    return List.copyOf(outputByName.keySet());
  }

  /**
   * The spec of one input.
   *
   * @param inputName an input name
   * @return its spec
   * @throws IllegalArgumentException if there is no such input
   */
  public TensorSpec input(String inputName) {
    TensorSpec s = inputByName.get(inputName);
    if (s == null) {
      throw unknownInput(inputName);
    }
    return s;
  }

  /**
   * The spec of one output.
   *
   * @param outputName an output name
   * @return its spec
   * @throws IllegalArgumentException if there is no such output
   */
  public TensorSpec output(String outputName) {
    TensorSpec s = outputByName.get(outputName);
    if (s == null) {
      throw unknownOutput(outputName);
    }
    return s;
  }

  /**
   * How each supplied external initializer was handed to ORT.
   *
   * @return unmodifiable map from initializer name to binding
   */
  public Map<String, InitializerDeclarations.Binding> externalInitializers() {
    return initializerBindings;
  }

  /**
   * Whether {@link #close()} has been called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed;
  }

  // ---------------------------------------------------------------- running

  /**
   * Starts binding tensors for repeated, allocation-free runs.
   *
   * @return a builder of a {@link PreparedRun}
   */
  public PreparedRun.Builder prepare() {
    checkOpen();
    return new PreparedRun.Builder(this);
  }

  /**
   * Runs the graph once and returns copies of all outputs.
   *
   * @param feeds every input name mapped to a {@link HostTensor} or, for inputs with a static
   *     shape, a flat primitive array in row-major order ({@code float[]}, {@code double[]},
   *     {@code int[]}, {@code long[]}, {@code boolean[]}, or {@code byte[]} for UINT8/BOOL)
   * @return the outputs; the caller closes them
   */
  public RunOutputs run(Map<String, ?> feeds) {
    return run(feeds, outputByName.keySet());
  }

  /**
   * Runs the graph once and returns copies of the requested outputs.
   *
   * @param feeds inputs as for {@link #run(Map)}
   * @param outputNames the outputs to compute, at least one
   * @return the outputs in the requested order; the caller closes them
   */
  public RunOutputs run(Map<String, ?> feeds, Collection<String> outputNames) {
    checkOpen();
    if (feeds == null) {
      throw new IllegalArgumentException("feeds must not be null; allowed: a map from input name to tensor");
    }
    Set<String> wanted = new LinkedHashSet<>();
    for (String o : outputNames) {
      if (!outputByName.containsKey(o)) {
        throw unknownOutput(o);
      }
      wanted.add(o);
    }
    if (wanted.isEmpty()) {
      throw new IllegalArgumentException("No outputs requested; allowed: one or more of " + outputByName.keySet());
    }
    List<HostTensor> temporaries = new ArrayList<>();
    try {
      Map<String, OnnxTensor> feed = new LinkedHashMap<>();
      for (Map.Entry<String, ?> e : feeds.entrySet()) {
        TensorSpec spec = inputByName.get(e.getKey());
        if (spec == null) {
          throw unknownInput(e.getKey());
        }
        HostTensor t = toHostTensor(spec, e.getValue(), temporaries);
        spec.check("Input", t);
        feed.put(spec.name(), t.ortTensor());
      }
      checkAllInputs(feed.keySet());
      long stamp = lock.readLock();
      try {
        checkOpen();
        try (OrtSession.Result result = session.run(feed, wanted)) {
          Map<String, HostTensor> out = new LinkedHashMap<>();
          try {
            for (String o : wanted) {
              OnnxValue v = result.get(o).orElseThrow(() -> new IllegalStateException("ORT returned no value for output '" + o + "'"));
              out.put(o, copyOut(o, v));
            }
          } catch (RuntimeException ex) {
            out.values().forEach(HostTensor::close);
            throw ex;
          }
          return new RunOutputs(out);
        }
      } catch (OrtException ex) {
        throw new GraphExecutionException("Running graph '" + name + "'", ex);
      } finally {
        lock.unlockRead(stamp);
      }
    } finally {
      for (HostTensor t : temporaries) {
        t.close();
      }
    }
  }

  /**
   * Runs with pre-built input and pinned-output maps. Allocates nothing here; ORT's Java wrapper
   * allocates a few small arrays and a {@code Result}, which is closed without closing the pinned
   * outputs (they are not owned by the result).
   */
  void execute(Map<String, OnnxTensor> in, Map<String, OnnxTensor> pinned, OrtSession.RunOptions runOptions) {
    long stamp = lock.readLock();
    try {
      checkOpen();
      OrtSession.Result result = session.run(in, NO_REQUESTED_OUTPUTS, pinned, runOptions);
      result.close();
    } catch (OrtException e) {
      throw new GraphExecutionException("Running graph '" + name + "'", e);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Whether {@link #executeDirect} may be used for this graph. */
  boolean supportsDirectRun() {
    return directHandles != null;
  }

  /**
   * Runs through ORT's JNI entry point with pre-built arrays (see {@link DirectRun}); allocates
   * only the small status array that the JNI code returns.
   */
  void executeDirect(
      String[] inputNames,
      long[] inputHandles,
      String[] outputNames,
      OnnxValue[] outputValues,
      long[] outputHandles,
      long runOptionsHandle) {
    long stamp = lock.readLock();
    try {
      checkOpen();
      DirectRun.run(session, directHandles, inputNames, inputHandles, outputNames, outputValues, outputHandles, runOptionsHandle);
    } catch (OrtException e) {
      throw new GraphExecutionException("Running graph '" + name + "'", e);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  void register(AutoCloseable child) {
    children.add(child);
  }

  void unregister(AutoCloseable child) {
    children.remove(child);
  }

  TensorSpec inputSpec(String inputName) {
    return inputByName.get(inputName);
  }

  TensorSpec outputSpec(String outputName) {
    return outputByName.get(outputName);
  }

  void checkAllInputs(Set<String> bound) {
    if (!bound.containsAll(inputByName.keySet())) {
      List<String> missing = new ArrayList<>();
      for (String n : inputByName.keySet()) {
        if (!bound.contains(n)) {
          missing.add(n);
        }
      }
      throw new IllegalArgumentException(
          "Missing inputs " + missing + " for graph '" + name + "'; allowed: bind every input of " + inputByName.keySet());
    }
  }

  IllegalArgumentException unknownInput(String inputName) {
    return new IllegalArgumentException(
        "Unknown input name " + inputName + ", expected one of " + inputByName.keySet() + " (graph '" + name + "')");
  }

  IllegalArgumentException unknownOutput(String outputName) {
    return new IllegalArgumentException(
        "Unknown output name " + outputName + ", expected one of " + outputByName.keySet() + " (graph '" + name + "')");
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("CompiledGraph '" + name + "' is closed; allowed: use before close()");
    }
  }

  private static HostTensor toHostTensor(TensorSpec spec, Object value, List<HostTensor> temporaries) {
    if (value instanceof HostTensor) {
      return (HostTensor) value;
    }
    DType arrayType = arrayDType(value, spec);
    if (arrayType == null) {
      throw new IllegalArgumentException(
          "Input '" + spec.name() + "' was given a " + (value == null ? "null" : value.getClass().getSimpleName())
              + "; allowed: a HostTensor, or a flat float[], double[], int[], long[], boolean[] or byte[] array");
    }
    if (!spec.isSupported() || spec.dtype() != arrayType) {
      throw new IllegalArgumentException(
          "Input '" + spec.name() + "' expects " + (spec.isSupported() ? spec.dtype() : spec.onnxType()) + " but a "
              + value.getClass().getSimpleName() + " (" + arrayType + ") was given; allowed: a HostTensor or an array of the input's type");
    }
    if (!spec.isStatic()) {
      throw new IllegalArgumentException(
          "Input '" + spec.name() + "' has dynamic shape " + Arrays.toString(spec.shape())
              + ", so an array does not say its shape; allowed: a HostTensor with a concrete shape");
    }
    HostTensor t = HostTensor.allocate(arrayType, spec.shape());
    temporaries.add(t);
    try {
      if (value instanceof float[]) {
        t.copyFrom((float[]) value);
      } else if (value instanceof double[]) {
        t.copyFrom((double[]) value);
      } else if (value instanceof int[]) {
        t.copyFrom((int[]) value);
      } else if (value instanceof long[]) {
        t.copyFrom((long[]) value);
      } else if (value instanceof boolean[]) {
        t.copyFrom((boolean[]) value);
      } else {
        t.copyFrom((byte[]) value);
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Input '" + spec.name() + "': " + e.getMessage(), e);
    }
    return t;
  }

  private static DType arrayDType(Object value, TensorSpec spec) {
    if (value instanceof float[]) {
      return DType.FLOAT32;
    } else if (value instanceof double[]) {
      return DType.FLOAT64;
    } else if (value instanceof int[]) {
      return DType.INT32;
    } else if (value instanceof long[]) {
      return DType.INT64;
    } else if (value instanceof boolean[]) {
      return DType.BOOL;
    } else if (value instanceof byte[]) {
      return spec.isSupported() && spec.dtype() == DType.BOOL ? DType.BOOL : DType.UINT8;
    }
    return null;
  }

  private HostTensor copyOut(String outputName, OnnxValue value) {
    if (!(value instanceof OnnxTensor)) {
      throw new IllegalStateException(
          "Output '" + outputName + "' of graph '" + name + "' is a " + value.getType() + "; only tensor outputs are supported");
    }
    OnnxTensor t = (OnnxTensor) value;
    TensorInfo info = t.getInfo();
    DType dtype = ElementTypes.fromOrt(info.onnxType);
    if (dtype == null) {
      throw new IllegalStateException(
          "Output '" + outputName + "' has element type " + info.onnxType + "; supported: " + ElementTypes.SUPPORTED);
    }
    HostTensor h = HostTensor.allocate(dtype, info.getShape());
    h.copyRawFrom(t.getByteBuffer());
    return h;
  }

  /**
   * Closes the session, every {@link PreparedRun} made from this
   * graph, and the external-initializer tensors the graph created itself from raw buffers.
   * Waits for runs in progress. Idempotent.
   */
  @Override
  public void close() {
    long stamp = lock.writeLock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      lock.unlockWrite(stamp);
    }
    for (AutoCloseable child : new ArrayList<>(children)) {
      try {
        child.close();
      } catch (Exception e) {
        // children are PreparedRuns, whose close() throws nothing checked
        throw new IllegalStateException("Closing a run of graph '" + name + "' failed: " + e.getMessage(), e);
      }
    }
    children.clear();
    try {
      session.close();
    } catch (OrtException e) {
      throw new GraphExecutionException("Closing graph '" + name + "'", e);
    } finally {
      for (HostTensor t : ownedInitializers) {
        t.close();
      }
      keptInitializers.clear();
    }
  }

  @Override
  public String toString() {
    return "CompiledGraph(" + name + ", " + provider + ", inputs=" + inputs + ", outputs=" + outputs
        + (closed ? ", closed)" : ")");
  }

  // ---------------------------------------------------------------- builder

  /** Collects the model, external initializers and options of a {@link CompiledGraph}. */
  public static final class Builder {
    private final ModelProto model;
    private final byte[] bytes;
    private final Path file;
    private RuntimeOptions options = RuntimeOptions.defaults();
    private final Map<String, Object> initializers = new LinkedHashMap<>();

    private Builder(ModelProto model, byte[] bytes) {
      this.model = model;
      this.bytes = bytes;
      this.file = null;
    }

    private Builder(Path file) {
      this.model = null;
      this.bytes = null;
      this.file = file;
    }

    /**
     * Sets the session options (default {@link RuntimeOptions#defaults()}).
     *
     * @param value the options
     * @return this builder
     */
    public Builder options(RuntimeOptions value) {
      if (value == null) {
        throw new IllegalArgumentException("options must not be null; allowed: RuntimeOptions.defaults() or a built RuntimeOptions");
      }
      this.options = value;
      return this;
    }

    /**
     * Supplies the data of an initializer the model declares without data. The graph keeps the
     * tensor reachable until it is closed but does not close it; the caller closes it after the
     * graph.
     *
     * @param initializerName the declared initializer name
     * @param tensor an open tensor whose dtype and shape equal the declaration
     * @return this builder
     */
    public Builder externalInitializer(String initializerName, HostTensor tensor) {
      return put(initializerName, tensor);
    }

    /**
     * Supplies the data of an initializer from a raw direct, native-order buffer; its dtype and
     * shape are taken from the model's declaration. The graph wraps it without copying and keeps
     * it reachable until closed.
     *
     * @param initializerName the declared initializer name
     * @param buffer a direct, native-order buffer holding exactly the declared data
     * @return this builder
     */
    public Builder externalInitializer(String initializerName, Buffer buffer) {
      return put(initializerName, buffer);
    }

    /**
     * Supplies several initializers at once.
     *
     * @param values initializer name to {@link HostTensor} or direct {@link Buffer}
     * @return this builder
     */
    public Builder externalInitializers(Map<String, ?> values) {
      if (values == null) {
        throw new IllegalArgumentException("externalInitializers must not be null; allowed: an empty or non-empty map");
      }
      for (Map.Entry<String, ?> e : values.entrySet()) {
        put(e.getKey(), e.getValue());
      }
      return this;
    }

    private Builder put(String initializerName, Object value) {
      if (initializerName == null || initializerName.isBlank()) {
        throw new IllegalArgumentException("Initializer name was blank; allowed: a declared initializer name");
      }
      if (!(value instanceof HostTensor) && !(value instanceof Buffer)) {
        throw new IllegalArgumentException(
            "External initializer '" + initializerName + "' was given a "
                + (value == null ? "null" : value.getClass().getName()) + "; allowed: a HostTensor or a direct NIO Buffer");
      }
      if (initializers.putIfAbsent(initializerName, value) != null) {
        throw new IllegalArgumentException(
            "External initializer '" + initializerName + "' was supplied twice; allowed: once per name");
      }
      return this;
    }

    /**
     * Validates the external initializers against the model and creates the ORT session.
     *
     * @return the compiled graph; the caller closes it
     * @throws IllegalArgumentException if an initializer is undeclared, declared with data, of the
     *     wrong dtype/shape, or a declared one lacks data
     * @throws ProviderUnavailableException if a REQUIRE provider cannot be used
     * @throws IllegalArgumentException also if initializers were supplied for a model file
     * @throws GraphExecutionException if ORT rejects the model (for a file: also when it is not an
     *     ONNX model), naming the graph
     */
    public CompiledGraph build() {
      if (file != null && !initializers.isEmpty()) {
        throw new IllegalArgumentException(
            "External initializers " + initializers.keySet() + " were supplied for the model file " + file
                + "; allowed: none for a file (use CompiledGraph.builder(byte[]) or builder(ModelProto) to supply them)");
      }
      ModelProto proto = model;
      if (proto == null && !initializers.isEmpty()) {
        try {
          proto = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalArgumentException(
              "Model bytes are not a valid ONNX ModelProto (" + e.getMessage() + "); allowed: a serialized onnx.ModelProto", e);
        }
      }
      String graphName = proto != null && !proto.getGraph().getName().isEmpty() ? proto.getGraph().getName()
          : file != null ? file.getFileName().toString() : "graph";
      Map<String, OnnxTensorLike> external = new LinkedHashMap<>();
      Map<String, OnnxTensorLike> shared = new LinkedHashMap<>();
      Map<String, InitializerDeclarations.Binding> bindings = new LinkedHashMap<>();
      List<HostTensor> kept = new ArrayList<>();
      List<HostTensor> owned = new ArrayList<>();
      try {
        if (proto != null) {
          resolveInitializers(graphName, proto.getGraph(), external, shared, bindings, kept, owned);
        }
        byte[] serialized = file != null ? null : bytes != null ? bytes : proto.toByteArray();
        SessionFactory.Created created =
            SessionFactory.create(graphName, serialized, file, options, external, shared, OrtEnvironment.getAvailableProviders());
        try {
          List<TensorSpec> in = specs(graphName, "Input", created.session.getInputInfo());
          List<TensorSpec> out = specs(graphName, "Output", created.session.getOutputInfo());
          return new CompiledGraph(graphName, created, options, in, out, bindings, kept, owned);
        } catch (OrtException e) {
          closeQuietly(created.session);
          throw new GraphExecutionException("Reading inputs/outputs of graph '" + graphName + "'", e);
        } catch (RuntimeException e) {
          closeQuietly(created.session);
          throw e;
        }
      } catch (RuntimeException e) {
        for (HostTensor t : owned) {
          t.close();
        }
        throw e;
      }
    }

    private static void closeQuietly(OrtSession session) {
      try {
        session.close();
      } catch (OrtException suppressed) {
        // the original failure is the one worth reporting
      }
    }

    private void resolveInitializers(
        String graphName,
        GraphProto graph,
        Map<String, OnnxTensorLike> external,
        Map<String, OnnxTensorLike> shared,
        Map<String, InitializerDeclarations.Binding> bindings,
        List<HostTensor> kept,
        List<HostTensor> owned) {
      Map<String, TensorProto> declared = new HashMap<>();
      List<String> awaiting = new ArrayList<>();
      for (TensorProto t : graph.getInitializerList()) {
        declared.put(t.getName(), t);
        if (InitializerDeclarations.kindOf(t) != InitializerDeclarations.Kind.EMBEDDED) {
          awaiting.add(t.getName());
        }
      }
      Set<String> graphInputs = new HashSet<>();
      for (ValueInfoProto v : graph.getInputList()) {
        graphInputs.add(v.getName());
      }
      for (Map.Entry<String, Object> e : initializers.entrySet()) {
        String n = e.getKey();
        TensorProto decl = declared.get(n);
        if (decl == null) {
          if (graphInputs.contains(n)) {
            throw new IllegalArgumentException(
                "External initializer '" + n + "' is declared in graph '" + graphName + "' only as a graph input;"
                    + " ONNX Runtime 1.29 accepts supplied data only for declared initializers. Allowed: declare it with"
                    + " InitializerDeclarations.external(..) or .shared(..), or bind it as a run input instead");
          }
          throw new IllegalArgumentException(
              "External initializer '" + n + "' is not declared in graph '" + graphName
                  + "'; allowed: one of the initializers declared without data " + awaiting);
        }
        InitializerDeclarations.Kind kind = InitializerDeclarations.kindOf(decl);
        if (kind == InitializerDeclarations.Kind.EMBEDDED) {
          throw new IllegalArgumentException(
              "Initializer '" + n + "' of graph '" + graphName + "' already carries its data in the model; allowed:"
                  + " a declaration without data (InitializerDeclarations.external or .shared)");
        }
        DType declaredType;
        try {
          declaredType = DType.fromOnnxCode(decl.getDataType());
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException("Initializer '" + n + "' of graph '" + graphName + "': " + ex.getMessage(), ex);
        }
        long[] declaredDims = new long[decl.getDimsCount()];
        for (int i = 0; i < declaredDims.length; i++) {
          declaredDims[i] = decl.getDims(i);
        }
        HostTensor tensor;
        if (e.getValue() instanceof HostTensor) {
          tensor = (HostTensor) e.getValue();
          tensor.checkOpen();
          if (!tensor.hasLayout(declaredType, declaredDims)) {
            throw new IllegalArgumentException(
                "External initializer '" + n + "' is declared as " + declaredType + Arrays.toString(declaredDims)
                    + " in graph '" + graphName + "' but the supplied tensor is " + tensor.describe()
                    + "; allowed: exactly the declared dtype and shape");
          }
        } else {
          try {
            tensor = HostTensor.wrap((Buffer) e.getValue(), declaredType, declaredDims);
          } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(
                "External initializer '" + n + "' (declared " + declaredType + Arrays.toString(declaredDims) + "): " + ex.getMessage(), ex);
          }
          owned.add(tensor);
        }
        kept.add(tensor);
        if (kind == InitializerDeclarations.Kind.EXTERNAL) {
          external.put(n, tensor.ortTensor());
          bindings.put(n, InitializerDeclarations.Binding.COPIED);
        } else {
          shared.put(n, tensor.ortTensor());
          bindings.put(n, InitializerDeclarations.Binding.SHARED);
        }
      }
      List<String> unsupplied = new ArrayList<>();
      for (String n : awaiting) {
        if (!initializers.containsKey(n)) {
          unsupplied.add(n);
        }
      }
      if (!unsupplied.isEmpty()) {
        throw new IllegalArgumentException(
            "Initializers " + unsupplied + " of graph '" + graphName + "' are declared without data but were not supplied;"
                + " allowed: supply every one with externalInitializer(name, tensor); supplied: " + initializers.keySet());
      }
    }

    private static List<TensorSpec> specs(String graphName, String role, Map<String, NodeInfo> info) {
      List<TensorSpec> specs = new ArrayList<>();
      for (NodeInfo ni : info.values()) {
        ValueInfo vi = ni.getInfo();
        if (!(vi instanceof TensorInfo)) {
          throw new IllegalArgumentException(
              role + " '" + ni.getName() + "' of graph '" + graphName + "' is " + vi
                  + "; allowed: tensor inputs and outputs only");
        }
        TensorInfo ti = (TensorInfo) vi;
        specs.add(new TensorSpec(ni.getName(), ElementTypes.fromOrt(ti.onnxType), ti.onnxType.name(), ti.getShape(), ti.getDimensionNames()));
      }
      return specs;
    }
  }
}
