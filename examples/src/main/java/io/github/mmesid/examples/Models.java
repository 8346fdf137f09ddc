package io.github.mmesid.examples;

import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.llm.popularity.PopularityRecommender;
import io.github.mmesid.llm.sasrec.SasRecConfig;
import io.github.mmesid.llm.sasrec.SasRecTrainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The models {@code evaluate --model NAME} can build: each name maps to a factory that trains
 * (or loads) a recommender from the training parts of a leave-one-out split. New models are
 * registered here.
 */
public final class Models {

  private static final Map<String, Function<LeaveOneOutSplit, SequentialRecommender>> FACTORIES = new LinkedHashMap<>();

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
    FACTORIES.put("popularity", PopularityRecommender::train);
    FACTORIES.put("sasrec", split -> SasRecTrainer.train(split, QUICK_SASREC, QUICK_RUN).recommender());
  }

  private Models() {}

  /**
   * Returns the model names.
   *
   * @return the names, in registration order
   */
  public static List<String> names() {
    return new ArrayList<>(FACTORIES.keySet());
  }

  /**
   * Builds a model.
   *
   * @param name one of {@link #names()}
   * @param split the data; models train only on its training parts
   * @return the recommender
   * @throws UsageException if the name is unknown
   */
  public static SequentialRecommender create(String name, LeaveOneOutSplit split) {
    Function<LeaveOneOutSplit, SequentialRecommender> f = FACTORIES.get(name);
    if (f == null) {
      throw new UsageException("--model '" + name + "' is unknown; allowed: " + String.join(", ", names()));
    }
    return f.apply(split);
  }
}
