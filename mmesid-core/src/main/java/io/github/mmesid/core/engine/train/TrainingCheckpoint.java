package io.github.mmesid.core.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A training checkpoint on disk: a directory with {@code parameters.safetensors} (every
 * parameter, by its graph name), {@code optimizer.safetensors} (optimizer state, e.g. {@code
 * m.X}, {@code v.X}) and {@code trainer.json} (format version, counters, seed, best metric).
 * The safetensors files are readable by other tools.
 *
 * <p>Checkpoints are written to a temporary directory and moved into place, so a crash never
 * leaves a half-written checkpoint; the {@code latest} file of a checkpoint root names the newest
 * complete one.
 *
 * @param directory the checkpoint directory
 * @param state the trainer counters
 * @param parameters the parameter values
 * @param optimizerState the optimizer state values (empty for a parameters-only checkpoint)
 */
public record TrainingCheckpoint(Path directory, State state, ParameterSnapshot parameters,
    Map<String, TensorData> optimizerState) {

  /** The manifest's format name. */
  public static final String FORMAT = "mmesid-trainer-checkpoint";
  /** The manifest format version this code writes and reads. */
  public static final int FORMAT_VERSION = 1;
  /** File name of the parameters. */
  public static final String PARAMETERS_FILE = "parameters.safetensors";
  /** File name of the optimizer state. */
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";
  /** File name of the manifest. */
  public static final String MANIFEST_FILE = "trainer.json";
  /** File in a checkpoint root naming the newest step checkpoint. */
  public static final String LATEST_FILE = "latest";
  /** Directory of the best validated checkpoint in a checkpoint root. */
  public static final String BEST_DIR = "best";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Trainer counters saved with a checkpoint.
   *
   * @param step updates done
   * @param epoch the epoch in progress
   * @param batchInEpoch batches of that epoch already done
   * @param seed the training seed
   * @param bestMetric best validation metric so far (NaN when none)
   * @param bestStep step of the best metric (-1 when none)
   * @param validationsWithoutImprovement the early-stopping counter
   */
  public record State(long step, int epoch, long batchInEpoch, long seed, double bestMetric,
      long bestStep, int validationsWithoutImprovement) {}

  /**
   * Copies the map.
   *
   * @param directory see the record description
   * @param state see the record description
   * @param parameters see the record description
   * @param optimizerState see the record description
   */
  public TrainingCheckpoint {
    optimizerState = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(optimizerState));
  }

  /**
   * Reads a checkpoint directory, validating the manifest.
   *
   * @param directory a checkpoint directory (containing {@value #MANIFEST_FILE})
   * @return the checkpoint
   */
  public static TrainingCheckpoint read(Path directory) {
    Path manifest = directory.resolve(MANIFEST_FILE);
    if (!Files.isRegularFile(manifest)) {
      throw new IllegalArgumentException("Not a checkpoint directory: " + directory + " has no "
          + MANIFEST_FILE);
    }
    try {
      if (Files.size(manifest) > (1 << 20)) {
        throw new IllegalArgumentException(manifest + " is larger than 1 MiB; not a manifest");
      }
      JsonNode n = JSON.readTree(manifest.toFile());
      if (!FORMAT.equals(n.path("format").asText())) {
        throw new IllegalArgumentException(manifest + ": format is '" + n.path("format").asText()
            + "', expected '" + FORMAT + "'");
      }
      int version = n.path("formatVersion").asInt(-1);
      if (version != FORMAT_VERSION) {
        throw new IllegalArgumentException(manifest + ": formatVersion " + version
            + " is not supported; allowed: " + FORMAT_VERSION);
      }
      State st = new State(req(n, "step", manifest).asLong(), req(n, "epoch", manifest).asInt(),
          req(n, "batchInEpoch", manifest).asLong(), req(n, "seed", manifest).asLong(),
          n.path("bestMetric").isNumber() ? n.get("bestMetric").asDouble() : Double.NaN,
          n.path("bestStep").asLong(-1), n.path("validationsWithoutImprovement").asInt(0));
      Map<String, TensorData> params = readTensors(directory.resolve(PARAMETERS_FILE));
      Path opt = directory.resolve(OPTIMIZER_FILE);
      Map<String, TensorData> state = Files.exists(opt) ? readTensors(opt) : Map.of();
      return new TrainingCheckpoint(directory, st, new ParameterSnapshot(params), state);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read checkpoint " + directory, e);
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
   * The newest complete checkpoint under a checkpoint root, if any.
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
      if (!name.matches("step-[0-9]{1,19}")) {
        throw new IllegalArgumentException(latest + " names '" + name
            + "'; expected a step directory name like step-00000100");
      }
      Path dir = root.resolve(name);
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException(latest + " names " + name + ", which does not exist");
      }
      return Optional.of(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + latest, e);
    }
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

  /**
   * Writes a checkpoint atomically: into a temporary sibling directory, then moved to {@code
   * target} (replacing an existing one).
   *
   * @param target the checkpoint directory to create
   * @param state trainer counters
   * @param parameters parameter values
   * @param optimizerState optimizer state (may be empty)
   * @return the written checkpoint directory
   */
  public static Path write(Path target, State state, Map<String, TensorData> parameters,
      Map<String, TensorData> optimizerState) {
    Path parent = target.toAbsolutePath().getParent();
    try {
      Files.createDirectories(parent);
      Path tmp = Files.createTempDirectory(parent, ".tmp-" + target.getFileName() + "-");
      try {
        writeTensors(tmp.resolve(PARAMETERS_FILE), parameters);
        if (!optimizerState.isEmpty()) {
          writeTensors(tmp.resolve(OPTIMIZER_FILE), optimizerState);
        }
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        m.put("formatVersion", FORMAT_VERSION);
        m.put("step", state.step());
        m.put("epoch", state.epoch());
        m.put("batchInEpoch", state.batchInEpoch());
        m.put("seed", state.seed());
        if (!Double.isNaN(state.bestMetric())) {
          m.put("bestMetric", state.bestMetric());
        }
        m.put("bestStep", state.bestStep());
        m.put("validationsWithoutImprovement", state.validationsWithoutImprovement());
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
      throw new UncheckedIOException("Cannot write checkpoint " + target, e);
    }
  }

  /**
   * Atomically points the root's {@value #LATEST_FILE} file at a step checkpoint.
   *
   * @param root checkpoint root
   * @param stepDir the step checkpoint directory inside it
   */
  static void markLatest(Path root, Path stepDir) {
    AtomicFiles.writeString(root.resolve(LATEST_FILE), stepDir.getFileName().toString() + "\n");
  }

  /** Deletes step checkpoints beyond the newest {@code keep}. */
  static void prune(Path root, int keep) {
    List<Path> steps = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "step-*")) {
      for (Path p : ds) {
        if (Files.isDirectory(p)) {
          steps.add(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list checkpoints in " + root, e);
    }
    steps.sort(Comparator.comparing(p -> p.getFileName().toString()));
    for (int i = 0; i < steps.size() - keep; i++) {
      deleteRecursively(steps.get(i));
    }
  }

  static String stepDirName(long step) {
    return String.format("step-%010d", step);
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
      throw new UncheckedIOException("Cannot delete " + p, e);
    }
  }
}
