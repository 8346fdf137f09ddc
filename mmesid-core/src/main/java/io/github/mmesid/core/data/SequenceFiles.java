package io.github.mmesid.core.data;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.io.AtomicFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads and writes the sequences text format: one line per user, {@code user item item ...},
 * separated by spaces or tabs, items in chronological order, item ids 1..N (0 is padding and not
 * allowed in a file). Blank lines are skipped. The file's item ids are used as internal ids, so
 * they must be dense: see {@link SequenceDataset.Builder#build(int)} (a file whose largest id is
 * far above its number of distinct items is rejected before anything of that size is allocated).
 */
public final class SequenceFiles {

  private SequenceFiles() {}

  /**
   * Reads a sequences file; N is the largest item id in the file.
   *
   * @param file the file
   * @return the dataset (identity id mapping)
   * @throws IllegalArgumentException naming the file and line for malformed content
   * @throws UncheckedIOException if the file cannot be read
   */
  public static SequenceDataset read(Path file) {
    return read(file, 0);
  }

  /**
   * Reads a sequences file over a declared item count.
   *
   * @param file the file
   * @param numItems N, or 0 to use the largest item id in the file
   * @return the dataset (identity id mapping)
   * @throws IllegalArgumentException naming the file and line for malformed content or an item
   *     above {@code numItems}
   * @throws UncheckedIOException if the file cannot be read
   */
  public static SequenceDataset read(Path file, int numItems) {
    if (numItems < 0) {
      throw new IllegalArgumentException("numItems = " + numItems + "; use 0 (infer) or N >= 1");
    }
    SequenceDataset.Builder b = SequenceDataset.builder();
    Map<String, Integer> firstLine = new HashMap<>();
    int maxItem = 0;
    int maxLine = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        String[] tokens = line.trim().split("[ \t]+");
        if (tokens.length == 1 && tokens[0].isEmpty()) {
          continue;
        }
        String user = tokens[0];
        Integer prev = firstLine.putIfAbsent(user, lineNo);
        if (prev != null) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": user '" + user + "' already appeared on line " + prev
                  + "; each user may have one line");
        }
        if (tokens.length < 2) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": user '" + user + "' has no items; lines must be 'user item [item ...]'");
        }
        int[] seq = new int[tokens.length - 1];
        for (int i = 1; i < tokens.length; i++) {
          int item = parseItem(tokens[i]);
          if (item < 1 || (numItems > 0 && item > numItems)) {
            throw new IllegalArgumentException(
                file + ":" + lineNo + ": token " + (i + 1) + " '" + tokens[i] + "' is not a valid item id; allowed integers 1.."
                    + (numItems > 0 ? Integer.toString(numItems) : Integer.toString(Integer.MAX_VALUE))
                    + " (0 is padding)");
          }
          seq[i - 1] = item;
          if (item > maxItem) {
            maxItem = item;
            maxLine = lineNo;
          }
        }
        b.add(user, seq);
      }
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException("sequences file not found: " + file, e);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + file + ": " + e, e);
    }
    if (firstLine.isEmpty()) {
      throw new IllegalArgumentException(file + ": no users; expected lines 'user item [item ...]'");
    }
    try {
      return b.build(numItems > 0 ? numItems : maxItem);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ":" + maxLine + ": " + e.getMessage(), e);
    }
  }

  /** Returns the item id or -1 if the token is not a decimal integer in int range. */
  private static int parseItem(String token) {
    int n = token.length();
    if (n == 0 || n > 10) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < n; i++) {
      char c = token.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v > Integer.MAX_VALUE ? -1 : (int) v;
  }

  /**
   * Writes a dataset in the sequences format (internal item ids), atomically.
   *
   * @param file the target file
   * @param dataset the dataset
   * @throws UncheckedIOException if writing fails
   */
  public static void write(Path file, SequenceDataset dataset) {
    AtomicFiles.write(file, out -> {
      Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
      StringBuilder sb = new StringBuilder();
      for (int u = 0; u < dataset.numUsers(); u++) {
        sb.setLength(0);
        sb.append(dataset.userKey(u));
        for (int item : dataset.sequence(u)) {
          sb.append(' ').append(item);
        }
        sb.append('\n');
        w.write(sb.toString());
      }
      w.flush();
    });
  }
}
