package io.github.mmesid.examples;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The output locations of one command run: prepared (created and probed for writability) before
 * the work starts, and cleaned up if the run fails. Not thread-safe; one per {@link Args}.
 */
final class Outputs {

  /** Directories this run created, outermost first. */
  private final List<Path> createdDirs = new ArrayList<>();
  /** Files this run announced that did not exist before it. */
  private final Set<Path> newFiles = new LinkedHashSet<>();
  /** Directory trees this run announced that did not exist before it. */
  private final Set<Path> newTrees = new LinkedHashSet<>();

  /**
   * Makes a directory ready: creates it (and missing parents) and checks that a file can be
   * created in it.
   *
   * @param option the option that named it (for messages)
   * @param dir the directory
   * @throws UsageException if the path is a file, a parent is a file, or the directory cannot be
   *     created or written, with the reason
   */
  void prepareDir(String option, Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UsageException("--" + option + " " + dir + " exists and is not a directory; give a directory");
    }
    prepare(option, dir, dir);
  }

  /** Creates and probes {@code dir}; messages name {@code shown}, the path the user gave. */
  private void prepare(String option, Path shown, Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    List<Path> missing = new ArrayList<>();
    Path p = abs;
    while (p != null && !Files.exists(p)) {
      missing.add(0, p);
      p = p.getParent();
    }
    if (p != null && !Files.isDirectory(p)) {
      throw new UsageException("--" + option + " " + shown + ": Not a directory (" + p + " is a file)");
    }
    for (Path m : missing) {
      try {
        Files.createDirectory(m);
        createdDirs.add(m);
      } catch (IOException e) {
        removeCreatedDirs();
        throw new UsageException("--" + option + " " + shown + ": cannot create directory " + m + ": "
            + Cli.reason(e));
      }
    }
    try {
      Path probe = Files.createTempFile(abs, ".mmesid-probe-", ".tmp");
      Files.delete(probe);
    } catch (IOException e) {
      removeCreatedDirs();
      throw new UsageException("--" + option + " " + shown + ": directory " + dir + " is not writable: "
          + Cli.reason(e));
    }
  }

  /**
   * Makes a file location ready: its directory as by {@link #prepareDir}, the file itself
   * recorded for clean-up.
   *
   * @param option the option that named it
   * @param file the file
   * @throws UsageException if the file is a directory or its directory is not usable
   */
  void prepareFile(String option, Path file) {
    if (Files.isDirectory(file)) {
      throw new UsageException("--" + option + " " + file + " is a directory; give a file name");
    }
    Path parent = file.toAbsolutePath().normalize().getParent();
    if (parent != null) {
      prepare(option, file, parent);
    }
    register(file);
  }

  /** Records a file the run is about to write (clean-up removes it only if it is new). */
  void register(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    if (!Files.exists(abs)) {
      newFiles.add(abs);
    }
  }

  /**
   * Records a directory the run is about to create as a whole (clean-up removes it with its
   * contents, only if it is new).
   *
   * @param dir the directory
   */
  void registerTree(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (!Files.exists(abs)) {
      newTrees.add(abs);
    }
  }

  /**
   * Removes what this run created: its new files and directory trees, then the directories it
   * created that are empty. Best effort: anything that cannot be removed stays.
   */
  void discard() {
    for (Path t : newTrees) {
      deleteTree(t);
    }
    newTrees.clear();
    for (Path f : newFiles) {
      try {
        Files.deleteIfExists(f);
      } catch (IOException e) {
        // best effort; the run's own failure is what gets reported
      }
    }
    newFiles.clear();
    removeCreatedDirs();
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (java.util.stream.Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      // best effort; the run's own failure is what gets reported
    }
  }

  private void removeCreatedDirs() {
    for (int i = createdDirs.size() - 1; i >= 0; i--) {
      try {
        Files.deleteIfExists(createdDirs.get(i));
      } catch (IOException e) {
        // not empty (e.g. checkpoints) or not removable: leave it
      }
    }
    createdDirs.clear();
  }

  /**
   * Writes an array as {@code .npy} after checking that float values are finite.
   *
   * @param file the target
   * @param array the array
   * @throws Finite.NonFiniteException naming the file if a value is NaN or infinite
   */
  static void writeNpy(Path file, NpyArray array) {
    if (array.dtype() == NpyArray.DType.FLOAT32) {
      long[] shape = new long[array.shape().length];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = array.shape()[i];
      }
      Finite.check(array.toFloats(), shape, "output " + file);
    } else if (!array.dtype().isInteger()) {
      Finite.check(array.toDoubles(), "output " + file);
    }
    Npy.write(file, array);
  }
}
