package io.github.mmesid.core.engine.graph;

/**
 * A symbolic tensor in a {@link Graph}: a graph input, a parameter, a frozen weight, a constant or
 * the output of a node. Operations are methods that add nodes to the same graph and return new
 * tensors; see {@link MathOps}, {@link ArrayOps} and {@link NnOps} for the full set.
 */
public final class Tensor {
  /** Where a tensor's value comes from. */
  public enum Kind {
    /** Fed by the caller at run time. */
    INPUT,
    /** Trainable parameter (fed at run time by the trainer). */
    PARAMETER,
    /** Non-trainable weight, possibly large (kept out of the protobuf when large). */
    FROZEN,
    /** Small constant embedded in the model. */
    CONSTANT,
    /**
     * The graph's noise key, an INT64 scalar that the runtime sets for every run (the trainer
     * derives it from the seed, the update and the micro-batch); in-graph random numbers ({@link
     * RandomOps}) are functions of it. See {@link Graph#noiseKey()}.
     */
    NOISE_KEY,
    /** Output of a node. */
    COMPUTED
  }

  private final Graph graph;
  private final String name;
  private final DType dtype;
  private final Shape shape;
  private final Kind kind;
  private final Node producer; // null unless COMPUTED
  private final TensorData data; // values of PARAMETER (initial), FROZEN, CONSTANT; else null

  Tensor(Graph graph, String name, DType dtype, Shape shape, Kind kind, Node producer,
      TensorData data) {
    this.graph = graph;
    this.name = name;
    this.dtype = dtype;
    this.shape = shape;
    this.kind = kind;
    this.producer = producer;
    this.data = data;
  }

  /**
   * The graph.
   *
   * @return the owning graph
   */
  public Graph graph() {
    return graph;
  }

  /**
   * The unique value name (the ONNX value name on export).
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The element type.
   *
   * @return the dtype
   */
  public DType dtype() {
    return dtype;
  }

  /**
   * The (partly symbolic) shape.
   *
   * @return the shape
   */
  public Shape shape() {
    return shape;
  }

  /**
   * The rank.
   *
   * @return number of dimensions
   */
  public int rank() {
    return shape.rank();
  }

  /**
   * Where the value comes from.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The producing node, or null for sources.
   *
   * @return the node
   */
  public Node producer() {
    return producer;
  }

  /**
   * The values of a parameter (initial), frozen weight or constant; null otherwise.
   *
   * @return the data
   */
  public TensorData data() {
    return data;
  }

  void checkSameGraph(Tensor other) {
    if (other.graph != graph) {
      throw new IllegalArgumentException(
          "Tensors " + name + " and " + other.name + " belong to different graphs");
    }
  }

  // ---- Elementwise arithmetic (broadcasting) ----

  /**
   * Elementwise sum with broadcasting.
   *
   * @param o other operand
   * @return {@code this + o}
   */
  public Tensor add(Tensor o) {
    return MathOps.add(this, o);
  }

  /**
   * Adds a scalar.
   *
   * @param c the scalar
   * @return {@code this + c}
   */
  public Tensor add(double c) {
    return MathOps.add(this, graph.scalarLike(c, this));
  }

  /**
   * Elementwise difference with broadcasting.
   *
   * @param o other operand
   * @return {@code this - o}
   */
  public Tensor sub(Tensor o) {
    return MathOps.sub(this, o);
  }

  /**
   * Elementwise product with broadcasting.
   *
   * @param o other operand
   * @return {@code this * o}
   */
  public Tensor mul(Tensor o) {
    return MathOps.mul(this, o);
  }

  /**
   * Multiplies by a scalar.
   *
   * @param c the scalar
   * @return {@code this * c}
   */
  public Tensor mul(double c) {
    return MathOps.mul(this, graph.scalarLike(c, this));
  }

  /**
   * Elementwise quotient with broadcasting.
   *
   * @param o other operand
   * @return {@code this / o}
   */
  public Tensor div(Tensor o) {
    return MathOps.div(this, o);
  }

  /**
   * Negation.
   *
   * @return {@code -this}
   */
  public Tensor neg() {
    return MathOps.neg(this);
  }

  /**
   * Batched matrix product with broadcasting of batch dimensions (ONNX MatMul semantics).
   *
   * @param o right operand
   * @return {@code this @ o}
   */
  public Tensor matmul(Tensor o) {
    return MathOps.matmul(this, o);
  }

  /**
   * Rectified linear unit.
   *
   * @return {@code max(this, 0)}
   */
  public Tensor relu() {
    return MathOps.relu(this);
  }

  /**
   * Exponential.
   *
   * @return {@code exp(this)}
   */
  public Tensor exp() {
    return MathOps.exp(this);
  }

  /**
   * Natural logarithm.
   *
   * @return {@code log(this)}
   */
  public Tensor log() {
    return MathOps.log(this);
  }

  /**
   * Square root.
   *
   * @return {@code sqrt(this)}
   */
  public Tensor sqrt() {
    return MathOps.sqrt(this);
  }

  /**
   * Sum over axes.
   *
   * @param keepDims whether reduced axes stay as size 1
   * @param axes axes to reduce (none: all)
   * @return the sum
   */
  public Tensor sum(boolean keepDims, int... axes) {
    return MathOps.reduceSum(this, keepDims, axes);
  }

  /**
   * Mean over axes.
   *
   * @param keepDims whether reduced axes stay as size 1
   * @param axes axes to reduce (none: all)
   * @return the mean
   */
  public Tensor mean(boolean keepDims, int... axes) {
    return MathOps.reduceMean(this, keepDims, axes);
  }

  // ---- Shape ----

  /**
   * Reshape (ONNX semantics: 0 copies the input dimension, -1 is inferred).
   *
   * @param dims target dimensions
   * @return the reshaped tensor
   */
  public Tensor reshape(long... dims) {
    return ArrayOps.reshape(this, dims);
  }

  /**
   * Permutes axes.
   *
   * @param perm the permutation
   * @return the transposed tensor
   */
  public Tensor transpose(int... perm) {
    return ArrayOps.transpose(this, perm);
  }

  /**
   * Stops gradients: the value passes, no gradient flows back through it.
   *
   * @return an identity copy that autodiff treats as a constant
   */
  public Tensor stopGradient() {
    return ArrayOps.stopGradient(this);
  }

  /**
   * Converts the element type.
   *
   * @param to target type
   * @return the converted tensor
   */
  public Tensor cast(DType to) {
    return ArrayOps.cast(this, to);
  }

  // ---- fluent methods of math/nn ops (MathOps, NnOps) ----

  /**
   * Power with a constant exponent.
   *
   * @param p the exponent
   * @return {@code this ^ p}
   */
  public Tensor pow(double p) {
    return MathOps.pow(this, p);
  }

  /**
   * Elementwise power with broadcasting.
   *
   * @param p the exponent
   * @return {@code this ^ p}
   */
  public Tensor pow(Tensor p) {
    return MathOps.pow(this, p);
  }

  /**
   * Square.
   *
   * @return {@code this * this}
   */
  public Tensor square() {
    return MathOps.square(this);
  }

  /**
   * Absolute value.
   *
   * @return {@code |this|}
   */
  public Tensor abs() {
    return MathOps.abs(this);
  }

  /**
   * Error function (see {@link MathOps#erf} for float64).
   *
   * @return {@code erf(this)}
   */
  public Tensor erf() {
    return MathOps.erf(this);
  }

  /**
   * Elementwise maximum with broadcasting.
   *
   * @param o other operand
   * @return {@code max(this, o)}
   */
  public Tensor maximum(Tensor o) {
    return MathOps.maximum(this, o);
  }

  /**
   * Elementwise minimum with broadcasting.
   *
   * @param o other operand
   * @return {@code min(this, o)}
   */
  public Tensor minimum(Tensor o) {
    return MathOps.minimum(this, o);
  }

  /**
   * Clamps into {@code [lo, hi]} (infinite bounds mean none).
   *
   * @param lo lower bound
   * @param hi upper bound
   * @return the clamped tensor
   */
  public Tensor clip(double lo, double hi) {
    return MathOps.clip(this, lo, hi);
  }

  /**
   * Maximum over axes.
   *
   * @param keepDims whether reduced axes stay as size 1
   * @param axes axes to reduce (none: all)
   * @return the maximum
   */
  public Tensor max(boolean keepDims, int... axes) {
    return MathOps.reduceMax(this, keepDims, axes);
  }

  /**
   * Minimum over axes.
   *
   * @param keepDims whether reduced axes stay as size 1
   * @param axes axes to reduce (none: all)
   * @return the minimum
   */
  public Tensor min(boolean keepDims, int... axes) {
    return MathOps.reduceMin(this, keepDims, axes);
  }

  /**
   * Index of the maximum along an axis.
   *
   * @param axis the axis
   * @param keepDims keep the axis as size 1
   * @return INT64 indices
   */
  public Tensor argMax(int axis, boolean keepDims) {
    return MathOps.argMax(this, axis, keepDims);
  }

  /**
   * Index of the minimum along an axis.
   *
   * @param axis the axis
   * @param keepDims keep the axis as size 1
   * @return INT64 indices
   */
  public Tensor argMin(int axis, boolean keepDims) {
    return MathOps.argMin(this, axis, keepDims);
  }

  /**
   * The k largest or smallest elements along an axis.
   *
   * @param k how many
   * @param axis the axis
   * @param largest largest (true) or smallest (false)
   * @return values and INT64 indices
   */
  public MathOps.TopK topK(long k, int axis, boolean largest) {
    return MathOps.topK(this, k, axis, largest);
  }

  /**
   * Affine map {@code this @ w^T + b} with {@code w} in {@code [out, in]} layout.
   *
   * @param w weight {@code [out, in]}
   * @param b bias {@code [out]} or null
   * @return {@code [..., out]}
   */
  public Tensor linear(Tensor w, Tensor b) {
    return MathOps.linear(this, w, b);
  }

  /**
   * Logistic sigmoid.
   *
   * @return {@code sigmoid(this)}
   */
  public Tensor sigmoid() {
    return NnOps.sigmoid(this);
  }

  /**
   * Hyperbolic tangent.
   *
   * @return {@code tanh(this)}
   */
  public Tensor tanh() {
    return NnOps.tanh(this);
  }

  /**
   * SiLU (swish).
   *
   * @return {@code this * sigmoid(this)}
   */
  public Tensor silu() {
    return NnOps.silu(this);
  }

  /**
   * Exact (erf) GELU.
   *
   * @return {@code gelu(this)}
   */
  public Tensor gelu() {
    return NnOps.gelu(this);
  }

  /**
   * GELU, exact ({@code "none"}) or tanh-approximated ({@code "tanh"}).
   *
   * @param approximate {@code "none"} or {@code "tanh"}
   * @return {@code gelu(this)}
   */
  public Tensor gelu(String approximate) {
    return NnOps.gelu(this, approximate);
  }

  /**
   * Softmax along an axis.
   *
   * @param axis the axis
   * @return the probabilities
   */
  public Tensor softmax(int axis) {
    return NnOps.softmax(this, axis);
  }

  /**
   * Log-softmax along an axis.
   *
   * @param axis the axis
   * @return the log-probabilities
   */
  public Tensor logSoftmax(int axis) {
    return NnOps.logSoftmax(this, axis);
  }

  /**
   * Inverted dropout with its mask made in the graph (see {@link NnOps#dropout(Tensor, double,
   * String)}).
   *
   * @param ratio drop probability in {@code [0, 1)} (0: identity)
   * @param name name of the random stream, unique within the graph
   * @return the dropped-out tensor
   */
  public Tensor dropout(double ratio, String name) {
    return NnOps.dropout(this, ratio, name);
  }

  // ---- fluent methods of array ops and layers (ArrayOps, Layers) ----

  /**
   * Rows of this table selected by indices (embedding lookup, ONNX Gather on axis 0).
   *
   * @param indices INT64 or INT32 indices of any shape
   * @return {@code indices.shape + shape[1:]}
   */
  public Tensor gather(Tensor indices) {
    return ArrayOps.gather(this, indices);
  }

  /**
   * Selection along an axis (ONNX Gather).
   *
   * @param indices INT64 or INT32 indices of any shape
   * @param axis the axis
   * @return {@code shape[:axis] + indices.shape + shape[axis+1:]}
   */
  public Tensor gather(Tensor indices, int axis) {
    return ArrayOps.gather(this, indices, axis);
  }

  /**
   * Element-wise selection along an axis (ONNX GatherElements).
   *
   * @param indices INT64 or INT32 indices of the same rank
   * @param axis the axis
   * @return a tensor of the shape of {@code indices}
   */
  public Tensor gatherElements(Tensor indices, int axis) {
    return ArrayOps.gatherElements(this, indices, axis);
  }

  /**
   * Step-1 slice of one axis.
   *
   * @param axis the axis
   * @param start first index (negative counts from the end)
   * @param end end index, exclusive ({@link Long#MAX_VALUE}: to the end)
   * @return the slice
   */
  public Tensor slice(int axis, long start, long end) {
    return ArrayOps.slice(this, axis, start, end);
  }

  /**
   * Splits along an axis into pieces of the given sizes.
   *
   * @param axis the axis
   * @param sizes piece sizes
   * @return the pieces
   */
  public java.util.List<Tensor> split(int axis, long... sizes) {
    return ArrayOps.split(this, axis, sizes);
  }

  /**
   * Constant padding.
   *
   * @param pads {@code [begins..., ends...]}
   * @param value fill value
   * @return the padded tensor
   */
  public Tensor pad(long[] pads, double value) {
    return ArrayOps.pad(this, pads, value);
  }

  /**
   * Flattens to a matrix (ONNX Flatten).
   *
   * @param axis split point
   * @return the 2-D tensor
   */
  public Tensor flatten(int axis) {
    return ArrayOps.flatten(this, axis);
  }

  /**
   * Repeats along each axis (ONNX Tile).
   *
   * @param repeats one count per axis
   * @return the tiled tensor
   */
  public Tensor tile(long... repeats) {
    return ArrayOps.tile(this, repeats);
  }

  /**
   * Inclusive cumulative sum along an axis.
   *
   * @param axis the axis
   * @return the cumulative sum
   */
  public Tensor cumSum(int axis) {
    return ArrayOps.cumSum(this, axis, false, false);
  }

  /**
   * Inserts size-1 axes.
   *
   * @param axes positions in the output
   * @return the tensor with new axes
   */
  public Tensor unsqueeze(int... axes) {
    return ArrayOps.unsqueeze(this, axes);
  }

  /**
   * Removes size-1 axes.
   *
   * @param axes the axes
   * @return the squeezed tensor
   */
  public Tensor squeeze(int... axes) {
    return ArrayOps.squeeze(this, axes);
  }

  /**
   * Broadcasts to a static shape.
   *
   * @param shape the target shape
   * @return the expanded tensor
   */
  public Tensor expand(Shape shape) {
    return ArrayOps.expand(this, shape);
  }

  /**
   * RMS normalisation over the last axis (see {@link Layers#rmsNorm}).
   *
   * @param weight scale {@code [D]}
   * @param eps added to the mean square
   * @return the normalised tensor
   */
  public Tensor rmsNorm(Tensor weight, double eps) {
    return Layers.rmsNorm(this, weight, eps);
  }

  /**
   * Layer normalisation over the last axis (see {@link Layers#layerNorm}).
   *
   * @param weight scale {@code [D]} or null
   * @param bias shift {@code [D]} or null
   * @param eps added to the variance
   * @return the normalised tensor
   */
  public Tensor layerNorm(Tensor weight, Tensor bias, double eps) {
    return Layers.layerNorm(this, weight, bias, eps);
  }

  @Override
  public String toString() {
    return name + ":" + dtype + shape;
  }
}
