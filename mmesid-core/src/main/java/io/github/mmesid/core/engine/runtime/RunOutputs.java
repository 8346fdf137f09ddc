package io.github.mmesid.core.engine.runtime;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Freshly allocated outputs of {@link CompiledGraph#run(Map)}, in the requested order. Closing
 * it closes every tensor; {@link #close()} is idempotent.
 */
public final class RunOutputs implements AutoCloseable {
  private final Map<String, HostTensor> tensors;
  private boolean closed;

  RunOutputs(Map<String, HostTensor> tensors) {
    this.tensors = Collections.unmodifiableMap(tensors);
  }

  /**
   * One output.
   *
   * @param name an output name that was requested
   * @return its tensor, valid until this object is closed
   * @throws IllegalArgumentException if the name was not requested
   */
  public HostTensor get(String name) {
    HostTensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("Unknown output name " + name + ", expected one of " + tensors.keySet());
    }
    return t;
  }

  /**
   * The output names in order.
   *
   * @return unmodifiable list of names
   */
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  /**
   * All outputs by name, in order.
   *
   * @return unmodifiable map
   */
  public Map<String, HostTensor> asMap() {
    return tensors;
  }

  /**
   * Number of outputs.
   *
   * @return the count
   */
  public int size() {
    return tensors.size();
  }

  /** Closes every output tensor. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (HostTensor t : tensors.values()) {
      t.close();
    }
  }
}
