package io.github.mmesid.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RatingsCsvTest {

  @TempDir
  Path dir;

  @Test
  void ordersByTimeThenItemAndReindexesByFirstAppearance() throws IOException {
    Path f = dir.resolve("r.csv");
    Files.writeString(f, String.join("\n",
        "\"userId\",\"movieId\",\"rating\",\"timestamp\"",
        "7,100,4.0,50",
        "7,20,3.5,10",
        "9,\"300\",5,10",
        "7,3,1,50",
        "9,20,2,5",
        "7,100,4,60",
        ""));
    SequenceDataset d = RatingsCsv.read(f);
    // items by first appearance: 100 -> 1, 20 -> 2, 300 -> 3, 3 -> 4
    assertEquals(List.of("100", "20", "300", "3"), d.mapping().originalIds());
    assertEquals(List.of("7", "9"), d.userKeys());
    // user 7: t10 item20, t50 tie {100, 3} -> 3 before 100 numerically, t60 100
    assertArrayEquals(new int[] {2, 4, 1, 1}, d.sequence(0));
    assertArrayEquals(new int[] {2, 3}, d.sequence(1));
    assertEquals(4, d.numItems());

    SequenceDataset liked = RatingsCsv.read(f, 4.0);
    assertEquals(List.of("100", "300"), liked.mapping().originalIds());
    assertArrayEquals(new int[] {1, 1}, liked.sequence(0));

    Path tsv = dir.resolve("map.tsv");
    d.mapping().writeTsv(tsv);
    assertEquals("item\toriginal_id\n1\t100\n2\t20\n3\t300\n4\t3\n", Files.readString(tsv));
    assertEquals(d.mapping().originalIds(), ItemIdMapping.readTsv(tsv).originalIds());
    assertEquals(3, ItemIdMapping.readTsv(tsv).internalId("300"));
  }

  @Test
  void headerIsOptional() throws IOException {
    Path f = dir.resolve("r.csv");
    Files.writeString(f, "1,5,3,2\n1,6,3,1\n");
    assertArrayEquals(new int[] {2, 1}, RatingsCsv.read(f).sequence(0));
  }

  @Test
  void malformedRowsNameTheLine() throws IOException {
    assertBad("u,i,r,t\n1,2,3\n", ":2: 3 fields");
    assertBad("1,2,x,5\n", "rating 'x'");
    assertBad("u,i,r,t\n1,2,3,soon\n", ":2: timestamp 'soon'");
    assertBad("1,2,NaN,5\n", "not finite");
    assertBad("1,\"2,3,4\n", "unterminated");
    assertBad("\"a\"b,2,3,4\n", "after a quoted field");
    assertBad("u,i,r,t\n", "no ratings");
    assertBad("", "no ratings");
    assertBad(",2,3,4\n", "user ''");
  }

  @Test
  void badMappingTsvIsRejected() throws IOException {
    Path f = dir.resolve("m.tsv");
    Files.writeString(f, "item\toriginal_id\n1\ta\n3\tb\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ItemIdMapping.readTsv(f));
    assertTrue(e.getMessage().contains("m.tsv:3") && e.getMessage().contains("expected 2"), e.getMessage());
    Files.writeString(f, "item\toriginal_id\n1\ta\n2\ta\n");
    e = assertThrows(IllegalArgumentException.class, () -> ItemIdMapping.readTsv(f));
    assertTrue(e.getMessage().contains("distinct"), e.getMessage());
    Files.writeString(f, "");
    assertThrows(IllegalArgumentException.class, () -> ItemIdMapping.readTsv(f));
    assertThrows(IllegalArgumentException.class, () -> ItemIdMapping.identity(3).internalId("4"));
  }

  @Test
  void readsMovieLens() {
    SequenceDataset d = RatingsCsv.read(SharedData.require("movielens/ratings.csv"));
    assertEquals(671, d.numUsers());
    assertEquals(9066, d.numItems());
    assertEquals(100004, d.numInteractions());
    assertEquals("31", d.mapping().originalId(1));
    for (int u = 0; u < d.numUsers(); u++) {
      assertTrue(d.length(u) >= 20);
    }
  }

  private void assertBad(String content, String expected) throws IOException {
    Path f = dir.resolve("bad.csv");
    Files.writeString(f, content);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RatingsCsv.read(f));
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    assertTrue(e.getMessage().contains("bad.csv"), e.getMessage());
  }
}
