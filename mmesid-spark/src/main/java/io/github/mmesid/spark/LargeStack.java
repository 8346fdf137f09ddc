package io.github.mmesid.spark;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs model loading on a thread with a large stack. Building a full-size SASRec (the default
 * configuration: 2 blocks, 50 positions, over 12,086 items) in a fresh JVM killed the JVM with
 * SIGSEGV and no {@code hs_err} file on a 1 MiB-stack thread (the default of Java threads, Spark
 * task threads included) with Spark's jars on the classpath, and on a 512 KiB one without them;
 * with {@code -Xss16m}, or on a 64 MiB-stack thread, it loads. Loading on a 256 MiB-stack thread
 * (address space reserved, not memory used) avoids it for every caller.
 */
final class LargeStack {

  /** The loader thread's stack size in bytes. */
  static final long STACK_BYTES = 256L << 20;

  private LargeStack() {}

  /**
   * Calls {@code work} on a new thread with a {@link #STACK_BYTES} stack and waits for it.
   *
   * @param name the thread's name
   * @param work what to run
   * @param <T> the result type
   * @return the result
   * @throws RuntimeException or Error as thrown by {@code work}
   * @throws IllegalStateException if the waiting thread is interrupted
   */
  static <T> T call(String name, Supplier<T> work) {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = new Thread(null, () -> {
      try {
        result.set(work.get());
      } catch (Throwable e) { // handed to the caller below
        failure.set(e);
      }
    }, name, STACK_BYTES);
    t.setDaemon(true);
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for '" + name + "'", e);
    }
    Throwable e = failure.get();
    if (e instanceof RuntimeException re) {
      throw re;
    }
    if (e instanceof Error err) {
      throw err;
    }
    if (e != null) {
      throw new IllegalStateException(name + " failed: " + e, e);
    }
    return result.get();
  }
}
