package io.github.mmesid.core.data;

import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.SequenceDataset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a ratings CSV ({@code user,item,rating,timestamp}, optionally with a header line, fields
 * optionally double-quoted) into chronological sequences.
 *
 * <p>Each user's ratings are ordered by timestamp, ties by original item id (numerically when
 * both ids are integers, otherwise as strings), then by file order. Items are re-indexed 1..N in
 * the order of their first row in the file; users keep the order of their first row. The
 * original ids stay available through {@link SequenceDataset#mapping()}.
 */
public final class RatingsCsv {

  private RatingsCsv() {}

  /**
   * Reads all ratings.
   *
   * @param file the CSV file
   * @return the dataset
   * @throws IllegalArgumentException naming the file and line for malformed content
   * @throws UncheckedIOException if the file cannot be read
   */
  public static SequenceDataset read(Path file) {
    return read(file, Double.NEGATIVE_INFINITY);
  }

  /**
   * Reads the ratings with {@code rating >= minRating}.
   *
   * @param file the CSV file
   * @param minRating the smallest rating kept (use negative infinity to keep all)
   * @return the dataset
   * @throws IllegalArgumentException naming the file and line for malformed content, or if no
   *     rating is kept
   * @throws UncheckedIOException if the file cannot be read
   */
  public static SequenceDataset read(Path file, double minRating) {
    if (Double.isNaN(minRating)) {
      throw new IllegalArgumentException("minRating is NaN; use a number or negative infinity");
    }
    Map<String, Integer> users = new LinkedHashMap<>();
    Map<String, Integer> items = new HashMap<>();
    List<String> itemIds = new ArrayList<>();
    IntList rowUser = new IntList();
    IntList rowItem = new IntList();
    LongList rowTime = new LongList();
    int dataLines = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        List<String> f = splitCsv(line, file, lineNo);
        if (f.size() != 4) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": " + f.size() + " fields; expected 4: user,item,rating,timestamp");
        }
        if (dataLines == 0 && isHeader(f)) {
          dataLines = -1; // header seen; next data line is the first
          continue;
        }
        dataLines = Math.max(dataLines, 0) + 1;
        String user = f.get(0).trim();
        String item = f.get(1).trim();
        if (user.isEmpty() || user.chars().anyMatch(Character::isWhitespace)) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": user '" + user + "' is invalid; user ids must be non-empty without whitespace");
        }
        if (item.isEmpty() || item.indexOf('\t') >= 0) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": item '" + item + "' is invalid; item ids must be non-empty without tabs");
        }
        double rating;
        try {
          rating = Double.parseDouble(f.get(2).trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": rating '" + f.get(2) + "' is not a number; expected e.g. 4 or 3.5", e);
        }
        if (!Double.isFinite(rating)) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": rating '" + f.get(2) + "' is not finite; expected a finite number");
        }
        long time;
        try {
          time = Long.parseLong(f.get(3).trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": timestamp '" + f.get(3) + "' is not an integer; expected whole seconds (or any integer clock)", e);
        }
        if (rating < minRating) {
          continue;
        }
        Integer u = users.computeIfAbsent(user, k -> users.size());
        Integer it = items.get(item);
        if (it == null) {
          it = itemIds.size() + 1;
          items.put(item, it);
          itemIds.add(item);
        }
        rowUser.add(u);
        rowItem.add(it);
        rowTime.add(time);
      }
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException("ratings file not found: " + file, e);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + file + ": " + e, e);
    }
    if (rowUser.size == 0) {
      throw new IllegalArgumentException(
          file + ": no ratings" + (minRating > Double.NEGATIVE_INFINITY ? " with rating >= " + minRating : "")
              + "; expected lines 'user,item,rating,timestamp'");
    }
    // rank of each internal item under the original-id order, for tie-breaking
    Integer[] byOriginal = new Integer[itemIds.size()];
    for (int i = 0; i < byOriginal.length; i++) {
      byOriginal[i] = i + 1;
    }
    Arrays.sort(byOriginal, Comparator.comparing(i -> itemIds.get(i - 1), RatingsCsv::compareIds));
    int[] itemRank = new int[itemIds.size() + 1];
    for (int pos = 0; pos < byOriginal.length; pos++) {
      itemRank[byOriginal[pos]] = pos;
    }
    int n = rowUser.size;
    Integer[] rows = new Integer[n];
    for (int i = 0; i < n; i++) {
      rows[i] = i;
    }
    int[] ru = rowUser.data;
    int[] ri = rowItem.data;
    long[] rt = rowTime.data;
    Arrays.sort(rows, (a, b) -> {
      int c = Integer.compare(ru[a], ru[b]);
      if (c != 0) {
        return c;
      }
      c = Long.compare(rt[a], rt[b]);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(itemRank[ri[a]], itemRank[ri[b]]);
      return c != 0 ? c : Integer.compare(a, b);
    });
    SequenceDataset.Builder b = SequenceDataset.builder();
    List<String> userKeys = new ArrayList<>(users.keySet());
    int start = 0;
    while (start < n) {
      int u = ru[rows[start]];
      int end = start;
      while (end < n && ru[rows[end]] == u) {
        end++;
      }
      int[] seq = new int[end - start];
      for (int i = start; i < end; i++) {
        seq[i - start] = ri[rows[i]];
      }
      b.add(userKeys.get(u), seq);
      start = end;
    }
    return b.build(ItemIdMapping.of(itemIds));
  }

  /** Numeric ids first, by value; then other ids as strings. */
  private static int compareIds(String a, String b) {
    Long x = parseLongOrNull(a);
    Long y = parseLongOrNull(b);
    if (x != null && y != null) {
      int c = Long.compare(x, y);
      return c != 0 ? c : a.compareTo(b);
    }
    if (x != null) {
      return -1;
    }
    if (y != null) {
      return 1;
    }
    return a.compareTo(b);
  }

  private static Long parseLongOrNull(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A header has neither a numeric rating nor an integer timestamp. */
  private static boolean isHeader(List<String> f) {
    try {
      Double.parseDouble(f.get(2).trim());
      return false;
    } catch (NumberFormatException e) {
      // not a number: maybe a header
    }
    try {
      Long.parseLong(f.get(3).trim());
      return false;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /** Splits one CSV line; fields may be double-quoted with "" as an escaped quote. */
  static List<String> splitCsv(String line, Path file, int lineNo) {
    List<String> out = new ArrayList<>(4);
    StringBuilder sb = new StringBuilder();
    int i = 0;
    int n = line.length();
    while (true) {
      sb.setLength(0);
      if (i < n && line.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new IllegalArgumentException(
                file + ":" + lineNo + ": unterminated quoted field; quoted fields must end with '\"'");
          }
          char c = line.charAt(i);
          if (c == '"') {
            if (i + 1 < n && line.charAt(i + 1) == '"') {
              sb.append('"');
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            sb.append(c);
            i++;
          }
        }
        if (i < n && line.charAt(i) != ',') {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": unexpected character after a quoted field at column " + (i + 1)
                  + "; expected ',' or end of line");
        }
      } else {
        while (i < n && line.charAt(i) != ',') {
          sb.append(line.charAt(i));
          i++;
        }
      }
      out.add(sb.toString());
      if (i >= n) {
        return out;
      }
      i++; // skip ','
    }
  }

  private static final class IntList {
    int[] data = new int[1024];
    int size;

    void add(int v) {
      if (size == data.length) {
        data = Arrays.copyOf(data, size * 2);
      }
      data[size++] = v;
    }
  }

  private static final class LongList {
    long[] data = new long[1024];
    int size;

    void add(long v) {
      if (size == data.length) {
        data = Arrays.copyOf(data, size * 2);
      }
      data[size++] = v;
    }
  }
}
