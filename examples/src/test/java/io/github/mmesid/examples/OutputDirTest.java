package io.github.mmesid.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nested outputs ({@link OutputDir#subdir}, {@link OutputDir#tree}) are removed when a run fails. */
class OutputDirTest {

  @TempDir
  Path dir;

  private static Args parse(Path out) {
    return Args.parse("test", List.of(Option.required("out", "DIR", "output")), List.of("--out", out.toString()));
  }

  @Test
  void aFailedRunRemovesItsSubdirectoriesAndTreesButNothingThatExisted() throws IOException {
    Path out = dir.resolve("out");
    Args args = parse(out);
    OutputDir o = args.outputDir("out");
    OutputDir sub = o.subdir("stage");
    Files.writeString(sub.file("a.npy"), "x");
    Path tree = o.tree("bundle");
    Files.createDirectories(tree.resolve("backbone"));
    Files.writeString(tree.resolve("backbone/config.json"), "{}");
    Files.writeString(o.file("metrics.json"), "{}");
    args.discardOutputs();
    assertFalse(Files.exists(out), "everything the run created is gone");

    // a second run into an existing directory with an existing bundle keeps them
    Files.createDirectories(out.resolve("bundle"));
    Files.writeString(out.resolve("bundle/mmesid.json"), "old");
    Files.writeString(out.resolve("keep.txt"), "mine");
    Args again = parse(out);
    OutputDir o2 = again.outputDir("out");
    Files.writeString(o2.subdir("stage").file("b.npy"), "y");
    Path bundle = o2.tree("bundle");
    Files.writeString(bundle.resolve("mmesid.json"), "new");
    again.discardOutputs();
    assertTrue(Files.isRegularFile(out.resolve("keep.txt")));
    assertEquals("new", Files.readString(out.resolve("bundle/mmesid.json")), "an existing tree is not deleted");
    assertFalse(Files.exists(out.resolve("stage")), "the subdirectory this run created is removed");
  }
}
