package io.github.mmesid.core.engine.train;

import java.nio.file.Path;
import java.util.List;

/**
 * A checkpoint was written by a run with other settings or other data than the run that tries to
 * resume it. The message names every differing setting with its old and new value.
 */
public final class CheckpointMismatchException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final transient Path checkpoint;
  private final List<String> settings;

  /**
   * Creates the exception.
   *
   * @param message the full explanation
   * @param checkpoint the checkpoint directory
   * @param settings the names of the differing settings
   */
  public CheckpointMismatchException(String message, Path checkpoint, List<String> settings) {
    super(message);
    this.checkpoint = checkpoint;
    this.settings = List.copyOf(settings);
  }

  /**
   * The checkpoint directory that does not match.
   *
   * @return the directory
   */
  public Path checkpoint() {
    return checkpoint;
  }

  /**
   * The names of the settings that differ, sorted.
   *
   * @return the names
   */
  public List<String> settings() {
    return settings;
  }
}
