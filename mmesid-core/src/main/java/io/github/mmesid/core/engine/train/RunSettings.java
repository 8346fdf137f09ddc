package io.github.mmesid.core.engine.train;

import com.google.common.hash.Hashing;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.optim.Optimizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings of a training run as a checkpoint records them (setting name to text form), and
 * the check that a resumed run has the same ones.
 */
final class RunSettings {
  private static final Logger LOG = LoggerFactory.getLogger(RunSettings.class);

  private RunSettings() {}

  /**
   * The trainer's own settings, the caller's run description and the data's identity.
   *
   * @param config the trainer configuration
   * @param trainable the trained tensors (for what the weight-decay filter selects)
   * @param source the data, or null to skip its fingerprint (hashing all data costs time)
   * @param examples the number of examples
   * @return sorted settings
   * @throws IllegalArgumentException if the run description gives one of the trainer's own
   *     settings another value
   */
  static Map<String, String> of(TrainerConfig config, List<Tensor> trainable, BatchSource source,
      int examples) {
    Map<String, String> own = new TreeMap<>();
    own.put("trainer.seed", Long.toString(config.seed()));
    describeOptimizer(config.optimizer(), trainable, own);
    own.put("trainer.schedule", String.valueOf(config.schedule()));
    own.put("trainer.batch_size", Integer.toString(config.batchSize()));
    own.put("trainer.micro_batches", Integer.toString(config.microBatches()));
    own.put("trainer.epochs", Integer.toString(config.epochs()));
    own.put("trainer.shuffle", Boolean.toString(config.shuffle()));
    own.put("trainer.drop_last", Boolean.toString(config.dropLast()));
    own.put("trainer.validate_every", Long.toString(config.validateEvery()));
    own.put("trainer.higher_is_better", Boolean.toString(config.higherIsBetter()));
    own.put("trainer.patience", Integer.toString(config.patience()));
    own.put("data.examples", Integer.toString(examples));
    if (config.dataFingerprint() != null) {
      own.put("data.fingerprint", config.dataFingerprint());
    }
    if (source != null) {
      source.fingerprint().ifPresent(f -> own.put("data.source_fingerprint", f));
    }
    Map<String, String> all = new TreeMap<>(config.runDescription());
    for (Map.Entry<String, String> e : own.entrySet()) {
      String given = all.put(e.getKey(), e.getValue());
      if (given != null && !given.equals(e.getValue())) {
        throw new IllegalArgumentException("TrainerConfig.runDescription sets '" + e.getKey()
            + "' = " + given + " but the trainer's own setting of that name is " + e.getValue()
            + "; leave it out of the description (the trainer records it) or make them equal");
      }
    }
    return all;
  }

  private static void describeOptimizer(Optimizer o, List<Tensor> trainable,
      Map<String, String> out) {
    out.put("optimizer", o.name());
    out.put("optimizer.lr", Double.toString(o.lr()));
    out.put("optimizer.weight_decay", Double.toString(o.weightDecay()));
    out.put("optimizer.max_grad_norm", Double.toString(o.maxGradNorm()));
    if (o instanceof Optimizer.Adam a) {
      out.put("optimizer.beta1", Double.toString(a.beta1()));
      out.put("optimizer.beta2", Double.toString(a.beta2()));
      out.put("optimizer.eps", Double.toString(a.eps()));
    } else if (o instanceof Optimizer.Sgd s) {
      out.put("optimizer.momentum", Double.toString(s.momentum()));
      out.put("optimizer.nesterov", Boolean.toString(s.nesterov()));
    }
    // The decay filter is a predicate: record what it selects among the trained tensors.
    Set<String> decayed = new TreeSet<>();
    for (Tensor t : trainable) {
      if (o.decays(t.name())) {
        decayed.add(t.name());
      }
    }
    out.put("optimizer.decayed_tensors", decayed.size() + " of " + trainable.size() + " (hash "
        + Hashing.murmur3_32_fixed().hashString(String.join("\n", decayed),
            StandardCharsets.UTF_8) + ")");
  }

  /**
   * Fails, naming every difference with its old and new value, unless a checkpoint's settings
   * equal this run's; more epochs pass when allowed.
   *
   * @param ck the checkpoint to resume
   * @param now this run's settings
   * @param allowEpochExtension whether more epochs than the checkpoint's are accepted
   * @throws CheckpointMismatchException if any setting differs
   */
  static void check(TrainingCheckpoint ck, Map<String, String> now,
      boolean allowEpochExtension) {
    Map<String, String> then = ck.settings();
    Set<String> keys = new TreeSet<>(then.keySet());
    keys.addAll(now.keySet());
    List<String> differing = new ArrayList<>();
    List<String> was = new ArrayList<>();
    List<String> is = new ArrayList<>();
    boolean moreEpochsRefused = false;
    for (String k : keys) {
      String a = then.get(k);
      String b = now.get(k);
      if (a != null && a.equals(b)) {
        continue;
      }
      // the trainer's epoch limit and a model config's epochs field both count epochs
      if ((k.equals("trainer.epochs") || k.equals("epochs")) && a != null && b != null
          && moreEpochs(a, b)) {
        if (allowEpochExtension) {
          LOG.info("Extending the run of {} from {} to {} epochs", ck.directory(), a, b);
          continue;
        }
        moreEpochsRefused = true;
      }
      differing.add(k);
      was.add(k + "=" + (a == null ? "<absent>" : a));
      is.add(k + "=" + (b == null ? "<absent>" : b));
    }
    if (!differing.isEmpty()) {
      throw new CheckpointMismatchException("Checkpoint " + ck.directory() + " was written with "
          + String.join(", ", was) + "; this run has " + String.join(", ", is)
          + ". Use the same settings or a new checkpoint directory"
          + (moreEpochsRefused ? " (more epochs are allowed with allowEpochExtension)" : "")
          + ".", ck.directory(), differing);
    }
  }

  private static boolean moreEpochs(String then, String now) {
    try {
      return Integer.parseInt(now) > Integer.parseInt(then);
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
