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

    Path csv = dir.resolve(ItemIdMapping.FILE_NAME);
    d.mapping().writeCsv(csv);
    assertEquals("internal_id,external_id\n1,100\n2,20\n3,300\n4,3\n", Files.readString(csv));
    assertEquals(d.mapping().originalIds(), ItemIdMapping.readCsv(csv).originalIds());
    assertEquals(3, ItemIdMapping.readCsv(csv).internalId("300"));
  }

  @Test
  void columnsAreFoundByNameInAnyOrder() throws IOException {
    Path a = dir.resolve("a.csv");
    Files.writeString(a, "userId,movieId,rating,timestamp\n7,100,4,50\n7,20,3,10\n9,300,5,10\n");
    Path b = dir.resolve("b.csv");
    Files.writeString(b, "movieId,timestamp,userId,rating\n100,50,7,4\n20,10,7,3\n300,10,9,5\n");
    SequenceDataset x = RatingsCsv.read(a);
    SequenceDataset y = RatingsCsv.read(b);
    assertEquals(List.of("7", "9"), y.userKeys(), "users come from the userId column, not the first one");
    assertEquals(x.mapping().originalIds(), y.mapping().originalIds());
    for (int u = 0; u < x.numUsers(); u++) {
      assertArrayEquals(x.sequence(u), y.sequence(u));
    }
    // other spellings, any case, a byte order mark, an extra column, no rating column
    Path c = dir.resolve("c.csv");
    Files.writeString(c, "\uFEFFTS,Item_ID,note,USER_ID\n50,100,x,7\n10,20,y,7\n10,300,z,9\n");
    SequenceDataset z = RatingsCsv.read(c);
    assertEquals(x.mapping().originalIds(), z.mapping().originalIds());
    assertArrayEquals(x.sequence(0), z.sequence(0));
    // Amazon-style names
    Path d = dir.resolve("d.csv");
    Files.writeString(d, "reviewerID,asin,overall,unixReviewTime\nA1,B01,5,3\nA1,B02,4,1\n");
    assertEquals(List.of("B01", "B02"), RatingsCsv.read(d).mapping().originalIds());
    assertArrayEquals(new int[] {2, 1}, RatingsCsv.read(d).sequence(0));
  }

  @Test
  void columnsCanBeNamedExplicitly() throws IOException {
    Path f = dir.resolve("r.csv");
    Files.writeString(f, "who,what,stars2,when,item\nu1,10,5,2,zz\nu1,11,1,1,zz\n");
    RatingsCsv.Columns cols = RatingsCsv.Columns.auto().withUser("who").withItem("WHAT").withRating("stars2")
        .withTimestamp("when");
    SequenceDataset d = RatingsCsv.read(f, cols, 2.0);
    assertEquals(List.of("10"), d.mapping().originalIds(), "'item' is ignored when another column is named item");
    assertEquals(2, RatingsCsv.read(f, cols, Double.NEGATIVE_INFINITY).numItems());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RatingsCsv.read(f, RatingsCsv.Columns.auto().withUser("uid9"), Double.NEGATIVE_INFINITY));
    assertTrue(e.getMessage().contains("r.csv:1") && e.getMessage().contains("no column 'uid9'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RatingsCsv.Columns.auto().withUser(" "));
    e = assertThrows(IllegalArgumentException.class, () -> new RatingsCsv.Columns("a", "A", null, null));
    assertTrue(e.getMessage().contains("both user and item"), e.getMessage());
  }

  @Test
  void unrecognisedHeadersAreRejectedWithTheAcceptedNames() throws IOException {
    IllegalArgumentException e = assertBad("u,i,r,t\n1,2,3,4\n", "bad.csv:1: header 'u,i,r,t' has no user column");
    assertTrue(e.getMessage().contains("accepted names (any case): user, userid, user_id")
        && e.getMessage().contains("--user-column"), e.getMessage());
    e = assertBad("userId,rating,timestamp\n1,3,4\n", "has no item column");
    assertTrue(e.getMessage().contains("movieid"), e.getMessage());
    assertBad("userId,movieId,rating\n1,2,3\n", "has no timestamp column");
    assertBad("userId,item,movieId,rating,timestamp\n1,2,3,4,5\n", "two item columns, 'item' and 'movieId'");
    Path f = dir.resolve("bad.csv");
    Files.writeString(f, "userId,movieId,timestamp\n1,2,3\n");
    assertEquals(1, RatingsCsv.read(f).numInteractions(), "the rating column is optional");
    e = assertThrows(IllegalArgumentException.class, () -> RatingsCsv.read(f, 3.0));
    assertTrue(e.getMessage().contains("no rating column (a minimum rating was given)"), e.getMessage());
  }

  @Test
  void headerIsOptional() throws IOException {
    Path f = dir.resolve("r.csv");
    Files.writeString(f, "1,5,3,2\n1,6,3,1\n");
    assertArrayEquals(new int[] {2, 1}, RatingsCsv.read(f).sequence(0));
  }

  @Test
  void malformedRowsNameTheLine() throws IOException {
    assertBad("user,item,rating,timestamp\n1,2,3\n", ":2: 3 fields; expected 4: as in the header");
    assertBad("1,2,3,4\n1,2,3\n", ":2: 3 fields; expected 4: user,item,rating,timestamp (the file has no header");
    assertBad("1,2,x,5\n", "rating 'x'");
    assertBad("user,item,rating,time\n1,2,3,soon\n", ":2: timestamp 'soon'");
    assertBad("1,2,NaN,5\n", "not finite");
    assertBad("1,\"2,3,4\n", "unterminated");
    assertBad("\"a\"b,2,3,4\n", "after a quoted field");
    assertBad("user,item,rating,timestamp\n", "no ratings");
    assertBad("", "no ratings");
    assertBad(",2,3,4\n", "user ''");
  }

  @Test
  void mappingCsvRoundTripsAwkwardIdsAndRejectsBadFiles() throws IOException {
    Path f = dir.resolve("m.csv");
    ItemIdMapping m = ItemIdMapping.of(List.of("a,b", "say \"hi\"", "plain"));
    m.writeCsv(f);
    assertEquals("internal_id,external_id\n1,\"a,b\"\n2,\"say \"\"hi\"\"\"\n3,plain\n", Files.readString(f));
    assertEquals(m.originalIds(), ItemIdMapping.readCsv(f).originalIds());
    Files.writeString(f, "internal_id,external_id\n1,a\n3,b\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ItemIdMapping.readCsv(f));
    assertTrue(e.getMessage().contains("m.csv:3") && e.getMessage().contains("expected 2"), e.getMessage());
    Files.writeString(f, "internal_id,external_id\n1,a\n2,a\n");
    e = assertThrows(IllegalArgumentException.class, () -> ItemIdMapping.readCsv(f));
    assertTrue(e.getMessage().contains("distinct"), e.getMessage());
    Files.writeString(f, "item,id\n1,a\n");
    e = assertThrows(IllegalArgumentException.class, () -> ItemIdMapping.readCsv(f));
    assertTrue(e.getMessage().contains("m.csv:1: header is 'item,id'"), e.getMessage());
    Files.writeString(f, "internal_id,external_id\n1,a,b\n");
    e = assertThrows(IllegalArgumentException.class, () -> ItemIdMapping.readCsv(f));
    assertTrue(e.getMessage().contains("m.csv:2: 3 fields"), e.getMessage());
    Files.writeString(f, "");
    assertThrows(IllegalArgumentException.class, () -> ItemIdMapping.readCsv(f));
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

  private IllegalArgumentException assertBad(String content, String expected) throws IOException {
    Path f = dir.resolve("bad.csv");
    Files.writeString(f, content);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RatingsCsv.read(f));
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    assertTrue(e.getMessage().contains("bad.csv"), e.getMessage());
    return e;
  }
}
