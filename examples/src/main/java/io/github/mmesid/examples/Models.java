package io.github.mmesid.examples;

import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.llm.popularity.PopularityRecommender;
import io.github.mmesid.llm.mmesid.MmeSidRecommender;
import io.github.mmesid.llm.sasrec.SasRecConfig;
import io.github.mmesid.llm.sasrec.SasRecTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The models {@code evaluate --model NAME} can build: each name maps to a factory that trains a
 * recommender from the training parts of a leave-one-out split, or to a loader that reads a saved
 * one from a path ({@code evaluate --bundle DIR}). New models are registered here.
 */
public final class Models {

  /** Loads a saved model. */
  @FunctionalInterface
  interface Loader {
    /**
     * Loads a model.
     *
     * @param path the saved model
     * @param baseModel the base model directory it adapts, or null
     * @param runtime ONNX Runtime options
     * @return the recommender
     */
    SequentialRecommender load(Path path, Path baseModel, RuntimeOptions runtime);
  }

  /** How a named model comes about: trained from the data, or loaded (either may be null). */
  private record Entry(Function<LeaveOneOutSplit, SequentialRecommender> trainer, Loader loader) {}

  private static final Map<String, Entry> MODELS = new LinkedHashMap<>();

  /**
   * The SASRec configuration of the {@code sasrec} model name: small and fast (a quick start on
   * 2 cores stays well under a minute for it); {@code train-sasrec} trains the full model.
   */
  public static final SasRecConfig QUICK_SASREC = SasRecConfig.builder().dim(32).blocks(2).heads(1)
      .maxLen(20).dropout(0.2).learningRate(3e-3).batchSize(128).epochs(6).patience(2)
      .validationUsers(1000).seed(42).build();

  /** Run options of the {@code sasrec} model: CPU, log only every 1000 updates. */
  private static final RunOptions QUICK_RUN = RunOptions.builder().logEvery(1000).build();

  static {
    MODELS.put("popularity", new Entry(PopularityRecommender::train, null));
    MODELS.put("sasrec", new Entry(split -> SasRecTrainer.train(split, QUICK_SASREC, QUICK_RUN).recommender(),
        null));
    MODELS.put("mmesid", new Entry(null, Models::loadMmeSid));
  }

  private Models() {}

  /**
   * Returns the model names.
   *
   * @return the names, in registration order
   */
  public static List<String> names() {
    return new ArrayList<>(MODELS.keySet());
  }

  /**
   * Returns the names of the models that are trained from the data ({@link #create}).
   *
   * @return the names, in registration order
   */
  public static List<String> trainedNames() {
    return MODELS.entrySet().stream().filter(e -> e.getValue().trainer() != null).map(Map.Entry::getKey).toList();
  }

  /**
   * Returns the names of the models that are loaded from a saved model ({@link #load}).
   *
   * @return the names, in registration order
   */
  public static List<String> loadedNames() {
    return MODELS.entrySet().stream().filter(e -> e.getValue().loader() != null).map(Map.Entry::getKey).toList();
  }

  /**
   * Builds a model by training it.
   *
   * @param name one of {@link #trainedNames()}
   * @param split the data; models train only on its training parts
   * @return the recommender
   * @throws UsageException if the name is unknown or names a model that is loaded, not trained
   */
  public static SequentialRecommender create(String name, LeaveOneOutSplit split) {
    Entry e = entry(name);
    if (e.trainer() == null) {
      throw new UsageException("--model " + name + " evaluates a saved model; give --bundle DIR (models trained "
          + "from the data: " + String.join(", ", trainedNames()) + ")");
    }
    return e.trainer().apply(split);
  }

  /**
   * Loads a saved model.
   *
   * @param name one of {@link #loadedNames()}
   * @param path where the model was saved (for {@code mmesid}: a bundle directory)
   * @param baseModel the Hugging Face checkpoint the model adapts, or null
   * @param runtime ONNX Runtime options of the model's sessions
   * @return the recommender
   * @throws UsageException if the name is unknown or names a model that is not loaded from a path
   * @throws IllegalArgumentException if the saved model is malformed
   */
  public static SequentialRecommender load(String name, Path path, Path baseModel, RuntimeOptions runtime) {
    Entry e = entry(name);
    if (e.loader() == null) {
      throw new UsageException("--bundle applies only to --model " + String.join(" or ", loadedNames()) + "; --model "
          + name + " is trained from the data");
    }
    return e.loader().load(path, baseModel, runtime);
  }

  private static Entry entry(String name) {
    Entry e = MODELS.get(name);
    if (e == null) {
      throw new UsageException("--model '" + name + "' is unknown; allowed: " + String.join(", ", names()));
    }
    return e;
  }

  /**
   * Loads an MME-SID bundle, with its base model when it adapts a Hugging Face checkpoint.
   *
   * @param bundle the bundle directory
   * @param baseModel the checkpoint directory, or null
   * @param runtime ONNX Runtime options
   * @return the recommender
   * @throws UsageException if the directory does not exist, or a base model is given that the bundle does not
   *     use (or one it needs is missing)
   */
  static MmeSidRecommender loadMmeSid(Path bundle, Path baseModel, RuntimeOptions runtime) {
    if (!Files.isDirectory(bundle)) {
      throw new UsageException("--bundle " + bundle + ": no such directory");
    }
    boolean needs = MmeSidRecommender.requiresBaseModel(bundle);
    if (needs && baseModel == null) {
      throw new UsageException("--bundle " + bundle + " adapts a Hugging Face checkpoint; give its directory with "
          + "--base-model DIR");
    }
    if (!needs && baseModel != null) {
      throw new UsageException("--base-model has no effect: the bundle " + bundle + " stores its own backbone; "
          + "remove --base-model");
    }
    if (baseModel != null && !Files.isDirectory(baseModel)) {
      throw new UsageException("--base-model " + baseModel + ": no such directory");
    }
    return baseModel == null ? MmeSidRecommender.load(bundle, runtime)
        : MmeSidRecommender.load(bundle, baseModel, runtime);
  }
}
