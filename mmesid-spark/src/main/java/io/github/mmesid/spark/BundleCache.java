package io.github.mmesid.spark;

import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.quant.MmRqVaeModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-JVM cache of loaded models that Spark tasks share: each (path, options) pair is loaded
 * once per executor JVM, on first use, and every task of that JVM gets the same thread-safe
 * instance. Concurrent first uses of one key wait for a single load; different keys load
 * independently. A failed load is not cached (the next task tries again and fails with the same
 * message unless the files changed). Everything still cached is closed when the JVM shuts down.
 *
 * <p>Models obtained here belong to the cache: callers must not close them. {@link #closeAll()}
 * releases everything early (for drivers that run many jobs, and tests).
 *
 * <p>Keys are the absolute, normalised path, the ONNX Runtime thread count and the base model;
 * the batch size does not affect the model and is not part of the key.
 */
public final class BundleCache {

  private static final Logger LOG = LoggerFactory.getLogger(BundleCache.class);
  private static final ConcurrentHashMap<Key, Entry> ENTRIES = new ConcurrentHashMap<>();
  private static final AtomicLong LOADS = new AtomicLong();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(BundleCache::closeAll, "mmesid-bundle-cache-close"));
  }

  private BundleCache() {}

  /**
   * Returns the recommender of a model directory ({@link Bundles#load(Path, ScoringOptions)}),
   * loading it on the first call in this JVM.
   *
   * @param path the model directory, readable at this path on this machine
   * @param options threads and base model (the batch size is ignored here)
   * @return the shared recommender; do not close it
   * @throws IllegalArgumentException if the directory is not a loadable model (the SDK's message)
   * @throws java.io.UncheckedIOException if a file cannot be read
   */
  public static SequentialRecommender recommender(String path, ScoringOptions options) {
    SparkColumns.path(path, "model path");
    SparkColumns.options(options);
    Key key = new Key("recommender", normalise(path), options.intraOpThreads(), options.baseModel());
    return (SequentialRecommender) entry(key).get(() -> Bundles.load(Path.of(key.path()), options));
  }

  /**
   * Returns the MM-RQ-VAE model of a directory ({@link MmRqVaeModel#load(Path, RuntimeOptions)}),
   * loading it on the first call in this JVM.
   *
   * @param path the model directory ({@code mmrqvae.json} + {@code mmrqvae.safetensors})
   * @param intraOpThreads ONNX Runtime intra-op threads of its sessions, 1..4096
   * @return the shared model; do not close it
   * @throws IllegalArgumentException if the directory is not a loadable model (the SDK's message)
   * @throws java.io.UncheckedIOException if a file cannot be read
   */
  public static MmRqVaeModel quantizerModel(String path, int intraOpThreads) {
    SparkColumns.path(path, "model path");
    ScoringOptions checked = ScoringOptions.defaults().withIntraOpThreads(intraOpThreads);
    Key key = new Key("mmrqvae", normalise(path), checked.intraOpThreads(), null);
    return (MmRqVaeModel) entry(key).get(() -> LargeStack.call("mmesid-quantizer-load",
        () -> MmRqVaeModel.load(Path.of(key.path()), RuntimeOptions.builder().intraOpThreads(intraOpThreads).build())));
  }

  /**
   * Returns how many models this JVM has loaded through the cache since it started (successful
   * loads only); one per key unless {@link #closeAll()} emptied the cache in between.
   *
   * @return the load count
   */
  public static long loads() {
    return LOADS.get();
  }

  /**
   * Returns how many models are cached now.
   *
   * @return the number of loaded entries
   */
  public static int size() {
    int n = 0;
    for (Entry e : ENTRIES.values()) {
      if (e.loaded()) {
        n++;
      }
    }
    return n;
  }

  /**
   * Removes every cached model and closes it; idempotent. Tasks still using a removed model may
   * fail with {@link IllegalStateException}; the next lookup loads again.
   */
  public static void closeAll() {
    List<Entry> removed = new ArrayList<>();
    for (Key k : new ArrayList<>(ENTRIES.keySet())) {
      Entry e = ENTRIES.remove(k);
      if (e != null) {
        removed.add(e);
      }
    }
    for (Entry e : removed) {
      e.close();
    }
  }

  private static Entry entry(Key key) {
    return ENTRIES.computeIfAbsent(key, k -> new Entry(k));
  }

  private static String normalise(String path) {
    return Path.of(path).toAbsolutePath().normalize().toString();
  }

  private record Key(String type, String path, int threads, String baseModel) {}

  /** One cached model; loads at most once at a time, under its own lock. */
  private static final class Entry {
    private final Key key;
    private AutoCloseable value;

    Entry(Key key) {
      this.key = key;
    }

    synchronized Object get(Supplier<? extends AutoCloseable> loader) {
      if (value == null) {
        long t0 = System.nanoTime();
        value = loader.get();
        LOADS.incrementAndGet();
        LOG.info("loaded {} {} ({} ORT threads) in {} ms", key.type(), key.path(), key.threads(),
            (System.nanoTime() - t0) / 1_000_000);
      }
      return value;
    }

    synchronized boolean loaded() {
      return value != null;
    }

    synchronized void close() {
      if (value != null) {
        try {
          value.close();
        } catch (Exception e) {
          LOG.warn("closing cached model {} failed: {}", key.path(), e.toString());
        }
        value = null;
      }
    }
  }
}
