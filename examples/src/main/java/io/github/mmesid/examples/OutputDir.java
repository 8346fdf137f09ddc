package io.github.mmesid.examples;

import java.nio.file.Path;

/**
 * An output directory a command writes into, made ready before the command's work starts (see
 * {@link Args#outputDir(String)}): it exists and a file could be created in it. The command
 * names each file it writes through {@link #file(String)}; if the command then fails, the CLI
 * removes those files that did not exist before, and the directory itself if the command created
 * it and it is empty (never a directory or file that was there before).
 */
public final class OutputDir {

  private final String option;
  private final Path path;
  private final Outputs outputs;

  OutputDir(String option, Path path, Outputs outputs) {
    this.option = option;
    this.path = path;
    this.outputs = outputs;
  }

  /**
   * Returns the directory.
   *
   * @return the path as given on the command line
   */
  public Path path() {
    return path;
  }

  /**
   * Returns the path of a file the command is about to write in this directory, and records it
   * for clean-up if the command fails.
   *
   * @param name the file name
   * @return the file's path
   */
  public Path file(String name) {
    Path f = path.resolve(name);
    outputs.register(f);
    return f;
  }

  /**
   * Returns a subdirectory for a part of the command's outputs, made ready now like this
   * directory (created if missing, checked to be writable); if the command then fails, the CLI
   * removes the files written through its {@link #file(String)} and the subdirectory itself if
   * this call created it and it is empty.
   *
   * @param name the subdirectory's name
   * @return the subdirectory
   * @throws UsageException if it is a file or cannot be created or written
   */
  public OutputDir subdir(String name) {
    Path p = path.resolve(name);
    outputs.prepareDir(option, p);
    return new OutputDir(option, p, outputs);
  }

  /**
   * Returns the path of a directory that a writer creates as a whole (e.g. a model bundle moved
   * into place atomically), and records it for clean-up: if the command fails, the CLI removes
   * the directory with everything in it, provided it did not exist before this call.
   *
   * @param name the directory's name
   * @return the directory's path
   */
  public Path tree(String name) {
    Path d = path.resolve(name);
    outputs.registerTree(d);
    return d;
  }

  /** Returns the directory's path. */
  @Override
  public String toString() {
    return path.toString();
  }
}
