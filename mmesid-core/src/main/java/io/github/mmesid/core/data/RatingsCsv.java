package io.github.mmesid.core.data;

import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.io.CsvLines;
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
import java.util.Locale;
import java.util.Map;

/**
 * Reads a ratings CSV into chronological sequences. Fields may be double-quoted ({@code ""}
 * escapes a quote).
 *
 * <p><b>Columns.</b> With a header line, columns are found by name, in any order; names are
 * matched case-insensitively after trimming:
 *
 * <ul>
 *   <li>user: {@code user}, {@code userId}, {@code user_id}, {@code uid}, {@code reviewerID},
 *       {@code reviewer_id}, {@code customer_id};
 *   <li>item: {@code item}, {@code itemId}, {@code item_id}, {@code iid}, {@code movie},
 *       {@code movieId}, {@code movie_id}, {@code product}, {@code productId},
 *       {@code product_id}, {@code asin}, {@code parent_asin}, {@code bookId}, {@code book_id},
 *       {@code isbn}, {@code trackId}, {@code track_id}, {@code articleId}, {@code article_id};
 *   <li>rating (optional unless a minimum rating is given): {@code rating}, {@code ratings},
 *       {@code score}, {@code stars}, {@code overall};
 *   <li>timestamp (any integer clock, e.g. seconds): {@code timestamp}, {@code time},
 *       {@code ts}, {@code unixtime}, {@code unix_time}, {@code unixReviewTime},
 *       {@code unix_review_time}.
 * </ul>
 *
 * <p>Other columns are ignored. {@link Columns} names columns explicitly (for other spellings).
 * A header without a recognisable user, item or timestamp column, or with two candidates for
 * one of them, is rejected with a message naming the header and the accepted names. A file
 * without a header line (its first line has a numeric field and no known column name) is read
 * by position: {@code user,item,rating,timestamp}.
 *
 * <p><b>Order and ids.</b> Each user's ratings are ordered by timestamp, ties by original item
 * id (numerically when both ids are integers, otherwise as strings), then by file order. Items
 * are re-indexed 1..N in the order of their first row in the file; users keep their original
 * ids as keys, in the order of their first row. The original item ids stay available through
 * {@link SequenceDataset#mapping()} (write them with {@link ItemIdMapping#writeCsv(Path)}).
 */
public final class RatingsCsv {

  /** Accepted header names of the user column (lower case). */
  static final List<String> USER_NAMES = List.of("user", "userid", "user_id", "uid", "reviewerid",
      "reviewer_id", "customer_id");
  /** Accepted header names of the item column (lower case). */
  static final List<String> ITEM_NAMES = List.of("item", "itemid", "item_id", "iid", "movie",
      "movieid", "movie_id", "product", "productid", "product_id", "asin", "parent_asin", "bookid",
      "book_id", "isbn", "trackid", "track_id", "articleid", "article_id");
  /** Accepted header names of the rating column (lower case). */
  static final List<String> RATING_NAMES = List.of("rating", "ratings", "score", "stars", "overall");
  /** Accepted header names of the timestamp column (lower case). */
  static final List<String> TIME_NAMES = List.of("timestamp", "time", "ts", "unixtime", "unix_time",
      "unixreviewtime", "unix_review_time");

  private static final String[] ROLES = {"user", "item", "rating", "timestamp"};
  private static final String[] OPTIONS = {"--user-column", "--item-column", "--rating-column",
      "--time-column"};
  private static final String[] SETTERS = {"withUser", "withItem", "withRating", "withTimestamp"};

  private RatingsCsv() {}

  /**
   * Which header columns hold the user, item, rating and timestamp. A null name means "find it
   * by its usual names" (see {@link RatingsCsv}). Names are matched case-insensitively.
   *
   * @param user the user column's header name, or null
   * @param item the item column's header name, or null
   * @param rating the rating column's header name, or null
   * @param timestamp the timestamp column's header name, or null
   */
  public record Columns(String user, String item, String rating, String timestamp) {

    /**
     * Validates the names.
     *
     * @param user the user column's header name, or null
     * @param item the item column's header name, or null
     * @param rating the rating column's header name, or null
     * @param timestamp the timestamp column's header name, or null
     * @throws IllegalArgumentException if a name is blank or two names are equal
     */
    public Columns {
      String[] n = {user, item, rating, timestamp};
      for (int i = 0; i < n.length; i++) {
        if (n[i] != null && n[i].isBlank()) {
          throw new IllegalArgumentException("the " + ROLES[i] + " column name is blank; give a header name or null");
        }
        for (int j = 0; j < i; j++) {
          if (n[i] != null && n[j] != null && n[i].trim().equalsIgnoreCase(n[j].trim())) {
            throw new IllegalArgumentException("column '" + n[i] + "' is named for both " + ROLES[j] + " and "
                + ROLES[i] + "; each role needs its own column");
          }
        }
      }
    }

    /**
     * Finds every column by its usual names.
     *
     * @return the automatic columns
     */
    public static Columns auto() {
      return new Columns(null, null, null, null);
    }

    /**
     * Names the user column.
     *
     * @param name the header name, or null for automatic
     * @return a copy with the user column set
     */
    public Columns withUser(String name) {
      return new Columns(name, item, rating, timestamp);
    }

    /**
     * Names the item column.
     *
     * @param name the header name, or null for automatic
     * @return a copy with the item column set
     */
    public Columns withItem(String name) {
      return new Columns(user, name, rating, timestamp);
    }

    /**
     * Names the rating column.
     *
     * @param name the header name, or null for automatic
     * @return a copy with the rating column set
     */
    public Columns withRating(String name) {
      return new Columns(user, item, name, timestamp);
    }

    /**
     * Names the timestamp column.
     *
     * @param name the header name, or null for automatic
     * @return a copy with the timestamp column set
     */
    public Columns withTimestamp(String name) {
      return new Columns(user, item, rating, name);
    }

    private String[] names() {
      return new String[] {user, item, rating, timestamp};
    }

    private boolean isAuto() {
      return user == null && item == null && rating == null && timestamp == null;
    }
  }

  /**
   * Reads all ratings, finding the columns by their usual names.
   *
   * @param file the CSV file
   * @return the dataset
   * @throws IllegalArgumentException naming the file and line for malformed content or an
   *     unrecognised header
   * @throws UncheckedIOException if the file cannot be read
   */
  public static SequenceDataset read(Path file) {
    return read(file, Columns.auto(), Double.NEGATIVE_INFINITY);
  }

  /**
   * Reads the ratings with {@code rating >= minRating}, finding the columns by their usual names.
   *
   * @param file the CSV file
   * @param minRating the smallest rating kept (use negative infinity to keep all)
   * @return the dataset
   * @throws IllegalArgumentException naming the file and line for malformed content, or if no
   *     rating is kept
   * @throws UncheckedIOException if the file cannot be read
   */
  public static SequenceDataset read(Path file, double minRating) {
    return read(file, Columns.auto(), minRating);
  }

  /**
   * Reads the ratings with {@code rating >= minRating} from the given columns.
   *
   * @param file the CSV file
   * @param columns which header columns to read ({@link Columns#auto()} finds them by name)
   * @param minRating the smallest rating kept (use negative infinity to keep all; otherwise the
   *     file needs a rating column)
   * @return the dataset
   * @throws IllegalArgumentException naming the file and line for malformed content, a header
   *     that lacks a column, or if no rating is kept
   * @throws UncheckedIOException if the file cannot be read
   */
  public static SequenceDataset read(Path file, Columns columns, double minRating) {
    if (Double.isNaN(minRating)) {
      throw new IllegalArgumentException("minRating is NaN; use a number or negative infinity");
    }
    if (columns == null) {
      throw new IllegalArgumentException("columns is null; use RatingsCsv.Columns.auto()");
    }
    Map<String, Integer> users = new LinkedHashMap<>();
    Map<String, Integer> items = new HashMap<>();
    List<String> itemIds = new ArrayList<>();
    IntList rowUser = new IntList();
    IntList rowItem = new IntList();
    LongList rowTime = new LongList();
    boolean needRating = minRating > Double.NEGATIVE_INFINITY;
    int[] col = null; // field index of user, item, rating (-1 = none), timestamp
    int width = 0;
    String layout = null;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        if (col == null && line.charAt(0) == '\uFEFF') {
          line = line.substring(1); // byte order mark
        }
        List<String> f = CsvLines.split(line, file, lineNo);
        if (col == null) {
          if (isHeader(f, columns)) {
            col = resolve(f, columns, needRating, file, lineNo);
            width = f.size();
            layout = "as in the header '" + String.join(",", f) + "'";
            continue;
          }
          col = new int[] {0, 1, 2, 3};
          width = 4;
          layout = "user,item,rating,timestamp (the file has no header line)";
        }
        if (f.size() != width) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": " + f.size() + " fields; expected " + width + ": " + layout);
        }
        String user = f.get(col[0]).trim();
        String item = f.get(col[1]).trim();
        if (user.isEmpty() || user.chars().anyMatch(Character::isWhitespace)) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": user '" + user + "' is invalid; user ids must be non-empty without whitespace");
        }
        if (item.isEmpty() || item.indexOf('\t') >= 0) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": item '" + item + "' is invalid; item ids must be non-empty without tabs");
        }
        double rating = Double.POSITIVE_INFINITY;
        if (col[2] >= 0) {
          String rs = f.get(col[2]);
          try {
            rating = Double.parseDouble(rs.trim());
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                file + ":" + lineNo + ": rating '" + rs + "' is not a number; expected e.g. 4 or 3.5", e);
          }
          if (!Double.isFinite(rating)) {
            throw new IllegalArgumentException(
                file + ":" + lineNo + ": rating '" + rs + "' is not finite; expected a finite number");
          }
        }
        long time;
        String ts = f.get(col[3]);
        try {
          time = Long.parseLong(ts.trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": timestamp '" + ts + "' is not an integer; expected whole seconds (or any integer clock)", e);
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
              + "; expected lines 'user,item,rating,timestamp' (a header line may name the columns in any order)");
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

  /**
   * A first line is a header if it names a known or explicitly named column, if columns were
   * named, or if none of its fields is a number (a headerless data line has numeric fields).
   */
  private static boolean isHeader(List<String> f, Columns columns) {
    if (!columns.isAuto()) {
      return true;
    }
    boolean numeric = false;
    for (String field : f) {
      String n = normal(field);
      if (USER_NAMES.contains(n) || ITEM_NAMES.contains(n) || RATING_NAMES.contains(n) || TIME_NAMES.contains(n)) {
        return true;
      }
      try {
        Double.parseDouble(n);
        numeric = true;
      } catch (NumberFormatException e) {
        // not a number
      }
    }
    return !numeric;
  }

  private static String normal(String s) {
    return s.trim().toLowerCase(Locale.ROOT);
  }

  /** Finds the field index of each role in a header; -1 for an absent optional rating. */
  private static int[] resolve(List<String> header, Columns columns, boolean needRating, Path file, int lineNo) {
    List<String> h = new ArrayList<>(header.size());
    for (String x : header) {
      h.add(normal(x));
    }
    String shown = String.join(",", header);
    List<List<String>> accepted = List.of(USER_NAMES, ITEM_NAMES, RATING_NAMES, TIME_NAMES);
    String[] named = columns.names();
    int[] col = new int[4];
    for (int role = 0; role < 4; role++) {
      col[role] = -1;
      if (named[role] != null) {
        int at = h.indexOf(normal(named[role]));
        if (at < 0) {
          throw new IllegalArgumentException(file + ":" + lineNo + ": header '" + shown + "' has no column '"
              + named[role] + "' (named as the " + ROLES[role] + " column); columns: " + shown);
        }
        col[role] = at;
        continue;
      }
      for (int i = 0; i < h.size(); i++) {
        if (accepted.get(role).contains(h.get(i)) && !isNamedElsewhere(h.get(i), named)) {
          if (col[role] >= 0) {
            throw new IllegalArgumentException(file + ":" + lineNo + ": header '" + shown + "' has two "
                + ROLES[role] + " columns, '" + header.get(col[role]).trim() + "' and '" + header.get(i).trim()
                + "'; name the one to use (RatingsCsv.Columns." + SETTERS[role] + ", CLI " + OPTIONS[role] + ")");
          }
          col[role] = i;
        }
      }
      boolean required = role != 2 || needRating;
      if (col[role] < 0 && required) {
        throw new IllegalArgumentException(file + ":" + lineNo + ": header '" + shown + "' has no "
            + ROLES[role] + " column" + (role == 2 ? " (a minimum rating was given)" : "")
            + "; accepted names (any case): " + String.join(", ", accepted.get(role))
            + "; or name it (RatingsCsv.Columns." + SETTERS[role] + ", CLI " + OPTIONS[role] + ")");
      }
    }
    for (int a = 0; a < 4; a++) {
      for (int b = 0; b < a; b++) {
        if (col[a] >= 0 && col[a] == col[b]) {
          throw new IllegalArgumentException(file + ":" + lineNo + ": column '" + header.get(col[a]).trim()
              + "' would be both the " + ROLES[b] + " and the " + ROLES[a] + " column; name distinct columns");
        }
      }
    }
    return col;
  }

  private static boolean isNamedElsewhere(String normalName, String[] named) {
    for (String n : named) {
      if (n != null && normal(n).equals(normalName)) {
        return true;
      }
    }
    return false;
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
