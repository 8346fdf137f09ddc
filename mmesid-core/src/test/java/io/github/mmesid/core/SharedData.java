package io.github.mmesid.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/** Locates the read-only shared reference data; tests that need it are skipped without it. */
public final class SharedData {

  private SharedData() {}

  /**
   * Returns a file under the shared data directory, skipping the test if it is absent.
   *
   * @param relative path relative to the shared data directory, e.g. beauty/sequences.txt
   * @return the existing file
   */
  public static Path require(String relative) {
    String prop = System.getProperty("mmesid.shared.data");
    Path root = prop != null ? Paths.get(prop) : Paths.get("..", "shared", "data");
    Path file = root.resolve(relative);
    if (!Files.exists(file)) {
      Path fallback = Paths.get("..", "..", "shared", "data").resolve(relative);
      file = Files.exists(fallback) ? fallback : file;
    }
    Assumptions.assumeTrue(Files.isRegularFile(file), "shared data not found: " + file);
    return file;
  }
}
