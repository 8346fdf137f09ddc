package io.github.mmesid.core.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedMap;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.io.AtomicFiles;
import io.github.mmesid.core.io.safetensors.SafetensorsReader;
import io.github.mmesid.core.io.safetensors.SafetensorsWriter;
import io.github.mmesid.core.io.safetensors.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training checkpoint on disk: a directory with {@code parameters.safetensors} (every
 * parameter, by its graph name), {@code optimizer.safetensors} (optimizer state, e.g. {@code
 * m.X}, {@code v.X}), {@code history.safetensors} (the loss of every update, every validation and
 * the wall-time split of every epoch so far) and {@code trainer.json} (format version, counters,
 * the run's settings and the size of every file). The safetensors files are readable by other
 * tools.
 *
 * <p>The settings are the trainer's own configuration (seed, optimizer, schedule, batch size,
 * epochs, ...), the caller's {@link TrainerConfig#runDescription()} and the data fingerprints; a
 * run resumes a checkpoint only when they are equal (see {@link Trainer#train}).
 *
 * <p>Checkpoints are written to a temporary directory (every file synced) and moved into place,
 * so a crash never leaves a half-written checkpoint; reading one checks every file's recorded
 * size, so a truncated file is reported as damage. The {@code latest} file of a checkpoint root
 * names the newest complete one.
 *
 * @param directory the checkpoint directory
 * @param state the trainer counters
 * @param settings the run's settings, by name (text form), sorted
 * @param history the run's history up to this checkpoint
 * @param parameters the parameter values
 * @param optimizerState the optimizer state values (empty for a parameters-only checkpoint)
 */
public record TrainingCheckpoint(Path directory, State state, Map<String, String> settings,
    TrainingHistory history, ParameterSnapshot parameters,
    Map<String, TensorData> optimizerState) {

  /** The manifest's format name. */
  public static final String FORMAT = "mmesid-trainer-checkpoint";
  /** The manifest format version this code writes and reads. */
  public static final int FORMAT_VERSION = 3;
  /** File name of the parameters. */
  public static final String PARAMETERS_FILE = "parameters.safetensors";
  /** File name of the optimizer state. */
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";
  /** File name of the history. */
  public static final String HISTORY_FILE = "history.safetensors";
  /** File name of the manifest. */
  public static final String MANIFEST_FILE = "trainer.json";
  /** File in a checkpoint root naming the newest step checkpoint. */
  public static final String LATEST_FILE = "latest";
  /** Directory of the best validated checkpoint in a checkpoint root. */
  public static final String BEST_DIR = "best";
  /** Prefix given to a damaged step checkpoint that a resumed run moved aside. */
  public static final String DAMAGED_PREFIX = "damaged-";

  private static final Logger LOG = LoggerFactory.getLogger(TrainingCheckpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern STEP_DIR = Pattern.compile("step-[0-9]{1,19}");
  private static final long MAX_MANIFEST_BYTES = 1 << 20;

  /**
   * Trainer counters saved with a checkpoint.
   *
   * @param step updates done
   * @param epoch the epoch to continue in
   * @param batchInEpoch batches of that epoch already done
   * @param bestMetric best validation metric so far (NaN when none)
   * @param bestStep step of the best metric (-1 when none)
   * @param validationsWithoutImprovement the early-stopping counter
   */
  public record State(long step, int epoch, long batchInEpoch, double bestMetric,
      long bestStep, int validationsWithoutImprovement) {}

  /**
   * Copies the maps.
   *
   * @param directory see the record description
   * @param state see the record description
   * @param settings see the record description
   * @param history see the record description
   * @param parameters see the record description
   * @param optimizerState see the record description
   */
  public TrainingCheckpoint {
    settings = ImmutableSortedMap.copyOf(settings);
    optimizerState = ImmutableMap.copyOf(optimizerState);
  }

  /**
   * Reads a checkpoint directory, validating the manifest and the size of every file it lists.
   *
   * @param directory a checkpoint directory (containing {@value #MANIFEST_FILE})
   * @return the checkpoint
   * @throws IllegalArgumentException if a file is missing, truncated or malformed (the message
   *     names it)
   * @throws UncheckedIOException if a file cannot be read
   */
  public static TrainingCheckpoint read(Path directory) {
    Path manifest = directory.resolve(MANIFEST_FILE);
    if (!Files.isRegularFile(manifest)) {
      throw new IllegalArgumentException("Not a checkpoint directory: " + directory + " has no "
          + MANIFEST_FILE);
    }
    try {
      if (Files.size(manifest) > MAX_MANIFEST_BYTES) {
        throw new IllegalArgumentException(manifest + " is larger than 1 MiB; not a manifest");
      }
      JsonNode n;
      try {
        n = JSON.readTree(manifest.toFile());
      } catch (IOException e) {
        throw new IllegalArgumentException(manifest + " is not valid JSON: "
            + e.getMessage().lines().findFirst().orElse(""), e);
      }
      if (n == null || !FORMAT.equals(n.path("format").asText())) {
        throw new IllegalArgumentException(manifest + ": format is '"
            + (n == null ? "" : n.path("format").asText()) + "', expected '" + FORMAT + "'");
      }
      int version = n.path("format_version").asInt(-1);
      if (version != FORMAT_VERSION) {
        int old = n.path("formatVersion").asInt(-1);
        throw new IllegalArgumentException(manifest + ": format_version "
            + (old > 0 ? old : version) + " is not supported; allowed: " + FORMAT_VERSION
            + (old == 1 ? " (version 1 checkpoints record no run settings, so resuming them "
              + "cannot be checked; start a new checkpoint directory)"
              : old == 2 ? " (version 2 wrote camelCase keys; start a new checkpoint directory)"
              : ""));
      }
      State st = new State(req(n, "step", manifest).asLong(), req(n, "epoch", manifest).asInt(),
          req(n, "batch_in_epoch", manifest).asLong(),
          n.path("best_metric").isNumber() ? n.get("best_metric").asDouble() : Double.NaN,
          n.path("best_step").asLong(-1), n.path("validations_without_improvement").asInt(0));
      Map<String, String> settings = new TreeMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = n.path("settings").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        settings.put(e.getKey(), e.getValue().asText());
      }
      JsonNode files = n.path("files");
      if (!files.isObject() || !files.has(PARAMETERS_FILE)) {
        throw new IllegalArgumentException(manifest + " lists no files (expected at least "
            + PARAMETERS_FILE + ")");
      }
      Iterator<Map.Entry<String, JsonNode>> fi = files.fields();
      while (fi.hasNext()) {
        Map.Entry<String, JsonNode> e = fi.next();
        checkFile(directory, e.getKey(), e.getValue().asLong(-1));
      }
      Map<String, TensorData> params = readTensors(directory.resolve(PARAMETERS_FILE));
      Map<String, TensorData> state = files.has(OPTIMIZER_FILE)
          ? readTensors(directory.resolve(OPTIMIZER_FILE)) : Map.of();
      TrainingHistory history = files.has(HISTORY_FILE)
          ? readHistory(directory.resolve(HISTORY_FILE)) : TrainingHistory.EMPTY;
      return new TrainingCheckpoint(directory, st, settings, history,
          new ParameterSnapshot(params), state);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read checkpoint " + directory + ": "
          + AtomicFiles.reason(e), e);
    }
  }

  private static void checkFile(Path directory, String name, long expected) throws IOException {
    if (!name.equals(PARAMETERS_FILE) && !name.equals(OPTIMIZER_FILE)
        && !name.equals(HISTORY_FILE)) {
      throw new IllegalArgumentException(directory.resolve(MANIFEST_FILE) + " lists unknown file '"
          + name + "'; allowed: " + PARAMETERS_FILE + ", " + OPTIMIZER_FILE + ", " + HISTORY_FILE);
    }
    Path f = directory.resolve(name);
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException(f + " is missing");
    }
    long size = Files.size(f);
    if (size != expected) {
      throw new IllegalArgumentException(f + " has " + size + " bytes but the manifest records "
          + expected + (size < expected ? " (truncated)" : ""));
    }
  }

  private static JsonNode req(JsonNode n, String field, Path file) {
    JsonNode v = n.get(field);
    if (v == null || !v.isNumber()) {
      throw new IllegalArgumentException(file + ": missing or non-numeric field '" + field + "'");
    }
    return v;
  }

  /**
   * The checkpoint directory named by the root's {@value #LATEST_FILE} file, if any.
   *
   * @param root the root directory given to the trainer
   * @return the checkpoint directory
   */
  public static Optional<Path> latest(Path root) {
    Path latest = root.resolve(LATEST_FILE);
    if (!Files.isRegularFile(latest)) {
      return Optional.empty();
    }
    try {
      String name = Files.readString(latest, StandardCharsets.UTF_8).trim();
      if (!STEP_DIR.matcher(name).matches()) {
        throw new IllegalArgumentException(latest + " names '" + name
            + "'; expected a step directory name like step-00000100");
      }
      Path dir = root.resolve(name);
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException(latest + " names " + name + ", which does not exist");
      }
      return Optional.of(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + latest + ": " + AtomicFiles.reason(e), e);
    }
  }

  /**
   * The step checkpoint directories under a checkpoint root, newest (highest step) first.
   *
   * @param root the root directory given to the trainer
   * @return the directories; empty when the root does not exist
   */
  public static List<Path> stepDirectories(Path root) {
    List<Path> steps = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return steps;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "step-*")) {
      for (Path p : ds) {
        if (Files.isDirectory(p) && STEP_DIR.matcher(p.getFileName().toString()).matches()) {
          steps.add(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list checkpoints in " + root + ": "
          + AtomicFiles.reason(e), e);
    }
    steps.sort(Comparator.comparingLong(TrainingCheckpoint::stepOf).reversed());
    return steps;
  }

  private static long stepOf(Path stepDir) {
    return Long.parseLong(stepDir.getFileName().toString().substring("step-".length()));
  }

  /**
   * Reads the step checkpoints under a root newest first and returns the first intact one. Each
   * damaged one before it (truncated or missing file, bad manifest) is logged as a warning and,
   * once an intact one is found, moved aside (prefix {@value #DAMAGED_PREFIX}) so that pruning
   * and later resumes ignore it; {@value #LATEST_FILE} then names the one returned.
   *
   * @param root the checkpoint root
   * @return the newest intact checkpoint, or null when the root holds no step checkpoint
   * @throws IllegalArgumentException if there are step checkpoints but none is intact (the
   *     message names each and why)
   */
  public static TrainingCheckpoint newestIntact(Path root) {
    List<String> damaged = new ArrayList<>();
    List<Path> damagedDirs = new ArrayList<>();
    for (Path dir : stepDirectories(root)) {
      TrainingCheckpoint ck;
      try {
        ck = read(dir);
      } catch (IllegalArgumentException | UncheckedIOException e) {
        LOG.warn("Checkpoint {} is damaged ({}); trying an older one", dir, e.getMessage());
        damaged.add(dir + " (" + e.getMessage() + ")");
        damagedDirs.add(dir);
        continue;
      }
      for (Path d : damagedDirs) {
        Path aside = moveAside(d);
        LOG.warn("Resuming from the older checkpoint {}; the damaged {} was moved to {}",
            dir.getFileName(), d.getFileName(), aside.getFileName());
      }
      if (!damagedDirs.isEmpty()) {
        markLatest(root, dir);
      }
      return ck;
    }
    if (!damaged.isEmpty()) {
      throw new IllegalArgumentException("No intact checkpoint in " + root + ": "
          + String.join("; ", damaged) + ". Use a new checkpoint directory (or resume(false)) "
          + "to start afresh.");
    }
    return null;
  }

  static Map<String, TensorData> readTensors(Path file) {
    Map<String, TensorData> out = new LinkedHashMap<>();
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      for (TensorInfo info : r.tensors().values()) {
        long[] shape = info.shape();
        switch (info.dtype()) {
          case F32:
            out.put(info.name(), TensorData.ofFloats(shape, r.readFloat32(info.name())));
            break;
          case F64:
            out.put(info.name(), TensorData.ofDoubles(shape, r.readFloat64(info.name())));
            break;
          case I64:
            out.put(info.name(), TensorData.ofLongs(shape, r.readInt64(info.name())));
            break;
          case I32:
            out.put(info.name(), TensorData.ofInts(shape, r.readInt32(info.name())));
            break;
          default:
            throw new IllegalArgumentException(file + ": tensor " + info.name() + " has dtype "
                + info.dtype() + "; checkpoints hold F32, F64, I32 or I64");
        }
      }
    }
    return out;
  }

  static void writeTensors(Path file, Map<String, TensorData> tensors) {
    SafetensorsWriter w = new SafetensorsWriter();
    w.putMetadata("format", "pt");
    for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
      TensorData d = e.getValue();
      switch (d.dtype()) {
        case FLOAT32:
          w.addFloat32(e.getKey(), d.shape(), d.toFloats());
          break;
        case FLOAT64:
          w.addFloat64(e.getKey(), d.shape(), d.toDoubles());
          break;
        case INT64: {
          long[] l = new long[(int) d.numel()];
          d.bytes().asLongBuffer().get(l);
          w.addInt64(e.getKey(), d.shape(), l);
          break;
        }
        default:
          throw new IllegalArgumentException("Cannot checkpoint " + e.getKey() + " of dtype "
              + d.dtype() + "; allowed FLOAT32, FLOAT64, INT64");
      }
    }
    w.write(file);
  }

  // History columns in history.safetensors.
  private static final String LOSS = "loss";
  private static final String V_STEP = "validation.step";
  private static final String V_EPOCH = "validation.epoch";
  private static final String V_METRIC = "validation.metric";
  private static final String V_BEST = "validation.best";
  private static final String V_IMPROVED = "validation.improved";
  private static final String V_BAD = "validation.withoutImprovement";
  private static final String E_EPOCH = "epoch.index";
  private static final String E_UPDATES = "epoch.updates";
  private static final String E_SETUP = "epoch.setupSeconds";
  private static final String E_TRAIN = "epoch.trainSeconds";
  private static final String E_TRAIN_CPU = "epoch.trainCpuSeconds";
  private static final String E_VALIDATION = "epoch.validationSeconds";
  private static final String E_CHECKPOINT = "epoch.checkpointSeconds";

  private static void writeHistory(Path file, TrainingHistory h) {
    Map<String, TensorData> t = new LinkedHashMap<>();
    int n = h.losses().size();
    double[] loss = new double[n];
    for (int i = 0; i < n; i++) {
      loss[i] = h.losses().get(i);
    }
    t.put(LOSS, TensorData.ofDoubles(new long[] {n}, loss));
    List<ValidationInfo> vs = h.validations();
    int k = vs.size();
    long[] vStep = new long[k];
    long[] vEpoch = new long[k];
    double[] vMetric = new double[k];
    double[] vBest = new double[k];
    long[] vImproved = new long[k];
    long[] vBad = new long[k];
    for (int i = 0; i < k; i++) {
      ValidationInfo v = vs.get(i);
      vStep[i] = v.step();
      vEpoch[i] = v.epoch();
      vMetric[i] = v.metric();
      vBest[i] = v.best();
      vImproved[i] = v.improved() ? 1 : 0;
      vBad[i] = v.validationsWithoutImprovement();
    }
    t.put(V_STEP, TensorData.ofLongs(new long[] {k}, vStep));
    t.put(V_EPOCH, TensorData.ofLongs(new long[] {k}, vEpoch));
    t.put(V_METRIC, TensorData.ofDoubles(new long[] {k}, vMetric));
    t.put(V_BEST, TensorData.ofDoubles(new long[] {k}, vBest));
    t.put(V_IMPROVED, TensorData.ofLongs(new long[] {k}, vImproved));
    t.put(V_BAD, TensorData.ofLongs(new long[] {k}, vBad));
    List<EpochTiming> es = h.epochs();
    int m = es.size();
    long[] eIndex = new long[m];
    long[] eUpdates = new long[m];
    double[][] secs = new double[5][m];
    for (int i = 0; i < m; i++) {
      EpochTiming e = es.get(i);
      eIndex[i] = e.epoch();
      eUpdates[i] = e.updates();
      secs[0][i] = e.setupSeconds();
      secs[1][i] = e.trainSeconds();
      secs[2][i] = e.validationSeconds();
      secs[3][i] = e.checkpointSeconds();
      secs[4][i] = e.trainCpuSeconds();
    }
    t.put(E_EPOCH, TensorData.ofLongs(new long[] {m}, eIndex));
    t.put(E_UPDATES, TensorData.ofLongs(new long[] {m}, eUpdates));
    t.put(E_SETUP, TensorData.ofDoubles(new long[] {m}, secs[0]));
    t.put(E_TRAIN, TensorData.ofDoubles(new long[] {m}, secs[1]));
    t.put(E_VALIDATION, TensorData.ofDoubles(new long[] {m}, secs[2]));
    t.put(E_CHECKPOINT, TensorData.ofDoubles(new long[] {m}, secs[3]));
    t.put(E_TRAIN_CPU, TensorData.ofDoubles(new long[] {m}, secs[4]));
    writeTensors(file, t);
  }

  private static TrainingHistory readHistory(Path file) {
    Map<String, TensorData> t = readTensors(file);
    double[] loss = column(t, LOSS, file).toDoubles();
    List<Double> losses = new ArrayList<>(loss.length);
    for (double l : loss) {
      losses.add(l);
    }
    long[] vStep = longs(column(t, V_STEP, file));
    long[] vEpoch = longs(column(t, V_EPOCH, file));
    double[] vMetric = column(t, V_METRIC, file).toDoubles();
    double[] vBest = column(t, V_BEST, file).toDoubles();
    long[] vImproved = longs(column(t, V_IMPROVED, file));
    long[] vBad = longs(column(t, V_BAD, file));
    sameLength(file, vStep.length, vEpoch.length, vMetric.length, vBest.length,
        vImproved.length, vBad.length);
    List<ValidationInfo> validations = new ArrayList<>();
    for (int i = 0; i < vStep.length; i++) {
      validations.add(new ValidationInfo(vStep[i], (int) vEpoch[i], vMetric[i], vBest[i],
          vImproved[i] != 0, (int) vBad[i]));
    }
    long[] eIndex = longs(column(t, E_EPOCH, file));
    long[] eUpdates = longs(column(t, E_UPDATES, file));
    double[] setup = column(t, E_SETUP, file).toDoubles();
    double[] train = column(t, E_TRAIN, file).toDoubles();
    double[] val = column(t, E_VALIDATION, file).toDoubles();
    double[] ck = column(t, E_CHECKPOINT, file).toDoubles();
    // Checkpoints written before the CPU time was recorded lack the column: unknown (-1).
    double[] cpu;
    if (t.containsKey(E_TRAIN_CPU)) {
      cpu = column(t, E_TRAIN_CPU, file).toDoubles();
    } else {
      cpu = new double[eIndex.length];
      java.util.Arrays.fill(cpu, -1);
    }
    sameLength(file, eIndex.length, eUpdates.length, setup.length, train.length, val.length,
        ck.length, cpu.length);
    List<EpochTiming> epochs = new ArrayList<>();
    for (int i = 0; i < eIndex.length; i++) {
      epochs.add(new EpochTiming((int) eIndex[i], eUpdates[i], setup[i], train[i], cpu[i],
          val[i], ck[i]));
    }
    return new TrainingHistory(losses, validations, epochs);
  }

  private static TensorData column(Map<String, TensorData> t, String name, Path file) {
    TensorData d = t.get(name);
    if (d == null || d.shape().length != 1) {
      throw new IllegalArgumentException(file + " lacks the 1-d history tensor '" + name
          + "'; it has " + t.keySet());
    }
    return d;
  }

  private static long[] longs(TensorData d) {
    long[] l = new long[(int) d.numel()];
    d.bytes().asLongBuffer().get(l);
    return l;
  }

  private static void sameLength(Path file, int... lengths) {
    for (int l : lengths) {
      if (l != lengths[0]) {
        throw new IllegalArgumentException(file + ": history columns have different lengths");
      }
    }
  }

  /**
   * Writes a checkpoint atomically: every file into a temporary sibling directory (each synced),
   * which is then moved to {@code target} (replacing an existing one).
   *
   * @param target the checkpoint directory to create
   * @param state trainer counters
   * @param settings the run's settings
   * @param history the run's history so far
   * @param parameters parameter values
   * @param optimizerState optimizer state (may be empty)
   * @return the written checkpoint directory
   * @throws UncheckedIOException if writing fails (the message names the reason)
   */
  public static Path write(Path target, State state, Map<String, String> settings,
      TrainingHistory history, Map<String, TensorData> parameters,
      Map<String, TensorData> optimizerState) {
    Path parent = target.toAbsolutePath().getParent();
    try {
      Files.createDirectories(parent);
      Path tmp = Files.createTempDirectory(parent, ".tmp-" + target.getFileName() + "-");
      try {
        ObjectNode files = JSON.createObjectNode();
        writeTensors(tmp.resolve(PARAMETERS_FILE), parameters);
        files.put(PARAMETERS_FILE, Files.size(tmp.resolve(PARAMETERS_FILE)));
        if (!optimizerState.isEmpty()) {
          writeTensors(tmp.resolve(OPTIMIZER_FILE), optimizerState);
          files.put(OPTIMIZER_FILE, Files.size(tmp.resolve(OPTIMIZER_FILE)));
        }
        writeHistory(tmp.resolve(HISTORY_FILE), history);
        files.put(HISTORY_FILE, Files.size(tmp.resolve(HISTORY_FILE)));
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        m.put("format_version", FORMAT_VERSION);
        m.put("step", state.step());
        m.put("epoch", state.epoch());
        m.put("batch_in_epoch", state.batchInEpoch());
        if (!Double.isNaN(state.bestMetric())) {
          m.put("best_metric", state.bestMetric());
        }
        m.put("best_step", state.bestStep());
        m.put("validations_without_improvement", state.validationsWithoutImprovement());
        ObjectNode s = m.putObject("settings");
        new TreeMap<>(settings).forEach(s::put);
        m.set("files", files);
        m.putPOJO("parameters", new ArrayList<>(parameters.keySet()));
        AtomicFiles.writeString(tmp.resolve(MANIFEST_FILE),
            JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));
        Path old = null;
        if (Files.exists(target)) {
          old = Files.createTempDirectory(parent, ".old-" + target.getFileName() + "-");
          Files.delete(old);
          AtomicFiles.move(target, old);
        }
        AtomicFiles.move(tmp, target);
        if (old != null) {
          deleteRecursively(old);
        }
        return target;
      } catch (IOException | RuntimeException e) {
        deleteRecursively(tmp);
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write checkpoint " + target + ": "
          + AtomicFiles.reason(e), e);
    }
  }

  /**
   * Atomically points the root's {@value #LATEST_FILE} file at a step checkpoint.
   *
   * @param root checkpoint root
   * @param stepDir the step checkpoint directory inside it
   */
  static void markLatest(Path root, Path stepDir) {
    AtomicFiles.writeString(root.resolve(LATEST_FILE), stepDir.getFileName() + "\n");
  }

  /** Deletes step checkpoints beyond the newest {@code keep}. */
  static void prune(Path root, int keep) {
    List<Path> steps = stepDirectories(root);
    for (int i = keep; i < steps.size(); i++) {
      deleteRecursively(steps.get(i));
    }
  }

  /**
   * Moves a damaged step checkpoint aside (prefix {@value #DAMAGED_PREFIX}) so that pruning and
   * later resumes ignore it; it stays for inspection.
   */
  private static Path moveAside(Path stepDir) {
    Path target = stepDir.resolveSibling(DAMAGED_PREFIX + stepDir.getFileName());
    deleteRecursively(target);
    AtomicFiles.move(stepDir, target);
    return target;
  }

  static String stepDirName(long step) {
    return String.format(Locale.ROOT, "step-%010d", step);
  }

  static void deleteRecursively(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      List<Path> all = s.sorted(Comparator.reverseOrder()).toList();
      for (Path q : all) {
        Files.deleteIfExists(q);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + p + ": " + AtomicFiles.reason(e), e);
    }
  }
}
