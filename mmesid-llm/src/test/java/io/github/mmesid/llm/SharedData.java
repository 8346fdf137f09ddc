package io.github.mmesid.llm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/** Locates the read-only shared reference data; tests that need it are skipped without it. */
public final class SharedData {

  private SharedData() {}

  /**
   * Returns a file or directory under the shared data directory, skipping the test if absent.
   *
   * @param relative path relative to the shared data directory, e.g. beauty/sequences.txt
   * @return the existing path
   */
  public static Path require(String relative) {
    String prop = System.getProperty("mmesid.shared.data");
    Path root = prop != null ? Paths.get(prop) : Paths.get("..", "shared", "data");
    Path p = root.resolve(relative);
    if (!Files.exists(p)) {
      Path fallback = Paths.get("..", "..", "shared", "data").resolve(relative);
      p = Files.exists(fallback) ? fallback : p;
    }
    Assumptions.assumeTrue(Files.exists(p), "shared data not found: " + p);
    return p;
  }
}
