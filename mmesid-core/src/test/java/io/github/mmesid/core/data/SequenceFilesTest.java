package io.github.mmesid.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SequenceFilesTest {

  @TempDir
  Path dir;

  @Test
  void readsAndWritesTheFormat() throws IOException {
    Path f = dir.resolve("s.txt");
    Files.writeString(f, "u1 3 1 2\n\n  u2\t5  4 \nu3 1\n");
    SequenceDataset d = SequenceFiles.read(f);
    assertEquals(3, d.numUsers());
    assertEquals(5, d.numItems());
    assertArrayEquals(new int[] {5, 4}, d.sequence(1));
    Path g = dir.resolve("out/t.txt");
    SequenceFiles.write(g, d);
    assertEquals("u1 3 1 2\nu2 5 4\nu3 1\n", Files.readString(g));
    assertEquals(7, SequenceFiles.read(f, 7).numItems());
  }

  @Test
  void errorsNameFileLineAndAllowedValues() throws IOException {
    assertBad("", "no users");
    assertBad("\n \n", "no users");
    assertBad("u1 1 2\nu2\n", ":2: user 'u2' has no items");
    assertBad("u1 1 x\n", ":1: token 3 'x'");
    assertBad("u1 1 -4\n", "'-4' is not a valid item id");
    assertBad("u1 1 0\n", "0 is padding");
    assertBad("u1 1 99999999999\n", "99999999999");
    assertBad("u1 1\nu2 2\nu1 3\n", ":3: user 'u1' already appeared on line 1");
    Path f = dir.resolve("big.txt");
    Files.writeString(f, "u 1 8\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SequenceFiles.read(f, 5));
    assertTrue(e.getMessage().contains("allowed integers 1..5"), e.getMessage());
    UncheckedIOException io = assertThrows(UncheckedIOException.class, () -> SequenceFiles.read(dir.resolve("none.txt")));
    assertTrue(io.getMessage().contains("none.txt"));
  }

  @Test
  void aHugeItemIdFailsFastInsteadOfAllocatingTheIdSpace() throws IOException {
    Path f = dir.resolve("huge.txt");
    Files.writeString(f, "u1 1 2 3\nu2 500000000 2\nu3 3 1\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SequenceFiles.read(f));
    assertTrue(e.getMessage().startsWith(f + ":2: item ids go up to 500000000 but only 4 distinct items occur"),
        e.getMessage());
    assertTrue(e.getMessage().contains("Remap the ids") && e.getMessage().contains("--ratings"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SequenceFiles.read(f, 600_000_000));
    assertTrue(e.getMessage().contains("N = 600000000 items are declared"), e.getMessage());
    // dense enough: ids up to the slack are fine whatever the item count
    Files.writeString(f, "u1 1 2 3\nu2 900000 2\n");
    assertEquals(900000, SequenceFiles.read(f).numItems());
  }

  @Test
  void readsTheBeautyData() {
    SequenceDataset d = SequenceFiles.read(SharedData.require("beauty/sequences.txt"));
    assertEquals(22332, d.numUsers());
    assertEquals(12086, d.numItems());
    assertEquals(198215, d.numInteractions());
    assertArrayEquals(new int[] {1, 2, 3, 4, 5}, d.sequence(0));
    assertEquals("1", d.userKey(0));
  }

  private void assertBad(String content, String expected) throws IOException {
    Path f = dir.resolve("bad.txt");
    Files.writeString(f, content);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SequenceFiles.read(f));
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    assertTrue(e.getMessage().contains("bad.txt"), e.getMessage());
  }
}
