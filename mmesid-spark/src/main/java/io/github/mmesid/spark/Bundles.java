package io.github.mmesid.spark;

import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.llm.mmesid.MmeSidRecommender;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens any model directory the SDK writes as a {@link SequentialRecommender}, recognising it by
 * its marker file ({@link BundleKind}):
 *
 * <ul>
 *   <li>{@code mmesid.json}: an MME-SID bundle ({@code MmeSidRecommender.save}, {@code
 *       train-mmesid}'s {@code OUT/bundle}); one that adapts a Hugging Face checkpoint needs
 *       {@link ScoringOptions#baseModel()};
 *   <li>{@code sasrec.safetensors}: a SASRec model directory as {@code train-sasrec} writes it
 *       (a path to a SASRec {@code .safetensors} file itself is accepted too);
 *   <li>{@code popularity.json}: a popularity bundle ({@link PopularityBundle}).
 * </ul>
 *
 * <p>Loading runs on a thread with a large stack (building a full-size model in a fresh JVM can
 * overflow a default 1 MiB thread stack, which kills the JVM; see {@code LargeStack}).
 *
 * <p>Item ids are the model's internal ids 1..N; an {@code items.csv} next to the model is not
 * applied (map external ids before and after scoring). The caller owns the returned model and
 * closes it; inside Spark jobs use {@link BundleCache}, which shares one load per executor JVM.
 */
public final class Bundles {

  private Bundles() {}

  /**
   * Tells which kind of model a path holds, without loading it.
   *
   * @param path a model directory (or a SASRec {@code .safetensors} file)
   * @return the kind
   * @throws IllegalArgumentException if the path holds no known model (listing the markers)
   * @throws UncheckedIOException if the path does not exist
   */
  public static BundleKind detect(Path path) {
    if (path == null) {
      throw new IllegalArgumentException("model path must not be null");
    }
    if (!Files.exists(path)) {
      throw new UncheckedIOException("model path not found: " + path,
          new NoSuchFileException(path.toString()));
    }
    if (Files.isRegularFile(path)) {
      if (path.getFileName().toString().endsWith(".safetensors")) {
        return BundleKind.SASREC;
      }
      throw new IllegalArgumentException(path + " is a file, not a model directory; expected a "
          + "directory holding one of " + markers() + " (or a SASRec .safetensors file)");
    }
    for (BundleKind k : new BundleKind[] {BundleKind.MMESID, BundleKind.SASREC, BundleKind.POPULARITY}) {
      if (Files.isRegularFile(path.resolve(k.marker()))) {
        return k;
      }
    }
    throw new IllegalArgumentException(path + " is not a model directory: it holds none of "
        + markers());
  }

  /**
   * Loads a model directory with the default options ({@link ScoringOptions#defaults()}).
   *
   * @param path the directory
   * @return the recommender, to be closed by the caller
   * @throws IllegalArgumentException if the directory is not a model or is malformed (the SDK
   *     loader's message, naming the file)
   * @throws UncheckedIOException if a file cannot be read
   */
  public static SequentialRecommender load(Path path) {
    return load(path, ScoringOptions.defaults());
  }

  /**
   * Loads a model directory.
   *
   * @param path the directory
   * @param options ONNX Runtime threads and, for checkpoint-adapting MME-SID bundles, the base
   *     model
   * @return the recommender, to be closed by the caller
   * @throws IllegalArgumentException if the directory is not a model or is malformed (the SDK
   *     loader's message, naming the file), or an MME-SID bundle needs a base model that the
   *     options do not give
   * @throws UncheckedIOException if a file cannot be read
   */
  public static SequentialRecommender load(Path path, ScoringOptions options) {
    SparkColumns.options(options);
    BundleKind kind = detect(path);
    return LargeStack.call("mmesid-bundle-load", () -> load(path, kind, options));
  }

  private static SequentialRecommender load(Path path, BundleKind kind, ScoringOptions options) {
    RuntimeOptions runtime = RuntimeOptions.builder().intraOpThreads(options.intraOpThreads()).build();
    switch (kind) {
      case POPULARITY:
        return PopularityBundle.load(path);
      case SASREC:
        return SasRecRecommender.load(Files.isRegularFile(path) ? path : path.resolve(kind.marker()), runtime);
      case MMESID:
        if (MmeSidRecommender.requiresBaseModel(path)) {
          if (options.baseModel() == null) {
            throw new IllegalArgumentException(path + " adapts a Hugging Face checkpoint (LoRA or "
                + "frozen backbone); give its directory with ScoringOptions.withBaseModel(dir)");
          }
          return MmeSidRecommender.load(path, Path.of(options.baseModel()), runtime);
        }
        return MmeSidRecommender.load(path, runtime);
      default:
        throw new IllegalStateException("unhandled bundle kind " + kind);
    }
  }

  private static String markers() {
    StringBuilder sb = new StringBuilder();
    for (BundleKind k : BundleKind.values()) {
      sb.append(sb.length() == 0 ? "" : ", ").append(k.marker()).append(" (").append(k).append(')');
    }
    return sb.toString();
  }
}
