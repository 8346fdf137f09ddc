/**
 * The ONNX Runtime execution layer of the training engine: it turns a serialized ONNX graph
 * ({@code ModelProto} or bytes) into a {@link io.github.mmesid.core.engine.runtime.CompiledGraph}
 * and runs it over pre-allocated, native-order {@link io.github.mmesid.core.engine.runtime.HostTensor}
 * buffers so that a training step allocates (almost) nothing on the Java heap.
 *
 * <p>The package knows nothing about models or about the graph DSL; it only consumes graphs.
 *
 * <h2>How large frozen weights reach a session</h2>
 * Weights are handed to a {@code CompiledGraph} as <em>external initializers</em> so that they
 * never enter the protobuf. Experiments with ONNX Runtime 1.29.0 established what the model must
 * declare (see {@link io.github.mmesid.core.engine.runtime.InitializerDeclarations}):
 * <ul>
 *   <li>{@code SessionOptions.addExternalInitializers} only <em>replaces</em> initializers that the
 *       graph declares with {@code data_location = EXTERNAL} (the location string is never read).
 *       A graph input without an initializer fails with "Failed to find existing initializer",
 *       and an initializer carrying (or lacking) in-proto data fails with "Trying to replace
 *       non-external initializer with external data". ORT copies the data while the session is
 *       created: later writes to the Java buffer are not seen by the session.</li>
 *   <li>{@code SessionOptions.addInitializer} accepts an initializer declared with only a data
 *       type and dims (no data at all) and uses the caller's buffer in place, without a copy;
 *       the buffer must stay alive and unchanged for the session's lifetime.</li>
 * </ul>
 * {@code CompiledGraph} chooses the call from the declaration, validates data type and dims
 * itself (ORT does not), and keeps every supplied buffer reachable until it is closed.
 *
 * <h2>Aliasing</h2>
 * ONNX Runtime must never receive the same memory as an input and as a (pinned) output of one
 * run: kernels read inputs while they write outputs, so aliasing corrupts results silently.
 * Feeding a step's output into the next step is done with two buffer sets and two {@link
 * io.github.mmesid.core.engine.runtime.PreparedRun}s that swap roles each step (the trainer's
 * parameter and optimizer-state banks).
 */
package io.github.mmesid.core.engine.runtime;
