package io.github.mmesid.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.CollisionStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's library tour runs end to end on tiny sizes. */
class LibraryTourTest {
  @Test
  void tourRunsEndToEnd() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    CollisionStats stats;
    try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      stats = LibraryTour.run(300, 120, 1, 2, out);
    }
    String text = buf.toString(StandardCharsets.UTF_8);
    assertEquals(120, stats.items());
    assertTrue(stats.distinctIds() >= 1 && stats.distinctIds() <= 120, stats.toString());
    assertTrue(text.contains("SASRec top-5 for user 0"), text);
    assertTrue(text.contains("decodes to items [1]"), text);
    assertTrue(text.contains("before / after disambiguation") && text.contains("/ 0.0000"), text);
  }
}
