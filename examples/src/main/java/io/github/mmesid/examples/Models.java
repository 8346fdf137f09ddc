package io.github.mmesid.examples;

import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.eval.PopularityRecommender;
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

  static {
    FACTORIES.put("popularity", PopularityRecommender::fit);
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
