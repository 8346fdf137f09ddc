package io.github.mmesid.llm.sasrec;

import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import io.github.mmesid.core.engine.train.TrainingLog;
import io.github.mmesid.core.engine.train.TrainingResult;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.core.io.Json;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains SASRec on the training parts of a leave-one-out split with the engine's {@link Trainer}
 * (AdamW, constant learning rate), validating NDCG@10 on the validation targets (second-to-last
 * items) after every epoch with the foundation's {@link Evaluator}, stopping early after {@link
 * SasRecConfig#patience()} validations without improvement and returning the best validated
 * parameters.
 *
 * <p>Validation uses all evaluable users, or a fixed seeded sample of {@link
 * SasRecConfig#validationUsers()} of them (the same sample at every validation, so the metric is
 * comparable across epochs).
 */
public final class SasRecTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SasRecTrainer.class);

  private SasRecTrainer() {}

  /**
   * Trains a model with the default run options (CPU, no checkpoints).
   *
   * @param split the data; only the training parts are trained on, the validation targets select
   *     the epoch
   * @param config the hyperparameters
   * @return the trained model, its metrics and the training log
   * @throws IllegalArgumentException if no user has two training items or no user is evaluable
   */
  public static SasRecTrainingResult train(LeaveOneOutSplit split, SasRecConfig config) {
    return train(split, config, RunOptions.defaults());
  }

  /**
   * Trains a model.
   *
   * @param split the data; only the training parts are trained on, the validation targets select
   *     the epoch
   * @param config the hyperparameters
   * @param run how to run: threads and execution provider (training, validation and the returned
   *     model's sessions), checkpoints (written each epoch; a run found there is resumed),
   *     listeners
   * @return the trained model, its metrics ({@code valid_ndcg@10}) and the training log
   * @throws IllegalArgumentException if no user has two training items or no user is evaluable
   */
  public static SasRecTrainingResult train(LeaveOneOutSplit split, SasRecConfig config,
      RunOptions run) {
    long t0 = System.nanoTime();
    int n = split.numItems();
    RuntimeOptions rt = run.runtime();
    Map<String, TensorData> init = SasRecNet.initialValues(config, n, DType.FLOAT32);
    Tensor loss = SasRecNet.trainingLoss(config, n, init);
    SasRecBatches data = new SasRecBatches(split, config.maxLen());
    LeaveOneOutSplit valid = validationSplit(split, config.validationUsers(), config.seed());
    Evaluator evaluator = Evaluator.builder().split(Split.VALID).ks(10).threads(1)
        .batchSize(SasRecRecommender.SCORING_BATCH).build();
    TrainerConfig.Builder tc = TrainerConfig.builder(config.seed())
        .optimizer(Optimizer.adamW(config.learningRate()).withWeightDecay(config.weightDecay()))
        .batchSize(config.batchSize()).epochs(config.epochs())
        .validation(params -> validate(config, n, params, rt, evaluator, valid), 0, true,
            config.patience())
        .restoreBest(true)
        .runDescription(Json.flatten(config));
    long perEpoch = Trainer.stepsPerEpoch(data.size(), TrainerConfig.builder(0)
        .batchSize(config.batchSize()).build());
    run.applyTo(tc, (int) Math.min(Integer.MAX_VALUE, Math.max(1, perEpoch / 2)), 0);
    LOG.info("SASRec: {} training sequences ({} targets each on average), {} validation users, "
        + "{} items; {}", data.size(), String.format("%.2f", data.meanTargets()),
        valid.evaluableUsers().length, n, config);
    TrainingResult result;
    try (Trainer trainer = new Trainer(loss, tc.build())) {
      result = trainer.train(data);
    }
    SasRecRecommender rec = SasRecRecommender.create(config, n, result.parameters(), rt);
    TrainingLog log = TrainingLog.of(result, "ndcg@10", (System.nanoTime() - t0) / 1e9);
    return new SasRecTrainingResult(rec, Map.of("valid_ndcg@10", result.bestMetric()), log);
  }

  private static double validate(SasRecConfig config, int n, ParameterSnapshot params,
      RuntimeOptions rt, Evaluator evaluator, LeaveOneOutSplit valid) {
    try (SasRecRecommender r = SasRecRecommender.create(config, n, params, rt)) {
      return evaluator.evaluate(r, valid).ndcg(10);
    }
  }

  /**
   * The users validation runs on: all evaluable users, or a seeded sample of them.
   *
   * @param split the split
   * @param users sample size, 0 = all
   * @param seed the seed
   * @return a split over the chosen users (same item ids)
   * @throws IllegalArgumentException if no user is evaluable
   */
  static LeaveOneOutSplit validationSplit(LeaveOneOutSplit split, int users, long seed) {
    return split.sampleEvaluableUsers(users, seed);
  }
}
