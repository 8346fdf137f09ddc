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

  private final Path path;
  private final Outputs outputs;

  OutputDir(Path path, Outputs outputs) {
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

  /** Returns the directory's path. */
  @Override
  public String toString() {
    return path.toString();
  }
}
