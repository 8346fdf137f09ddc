package io.github.mmesid.core;

import io.github.mmesid.core.io.AtomicFiles;
import io.github.mmesid.core.io.CsvLines;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bijection between internal item ids 1..N and the original item ids of a data source
 * (strings). Immutable and thread-safe.
 *
 * <p>File form ({@code items.csv}, see {@link #writeCsv(Path)}): a header line {@value
 * #CSV_HEADER}, then one line {@code internal,external} per item in internal-id order; an
 * external id holding a comma or a double quote is double-quoted with {@code ""} for a quote.
 */
public final class ItemIdMapping {

  /** The header line of the file form. */
  public static final String CSV_HEADER = "internal_id,external_id";
  /** The usual file name of the mapping next to a command's outputs. */
  public static final String FILE_NAME = "items.csv";

  private final String[] originals; // index = internal id; [0] unused
  private final Map<String, Integer> internal;

  private ItemIdMapping(String[] originals, Map<String, Integer> internal) {
    this.originals = originals;
    this.internal = internal;
  }

  /**
   * Creates a mapping where internal id i has original id {@code originalIds.get(i - 1)}.
   *
   * @param originalIds distinct, non-empty ids without tabs or line breaks, at least one
   * @return the mapping
   * @throws IllegalArgumentException if an id is empty, repeated or contains a tab/line break
   */
  public static ItemIdMapping of(List<String> originalIds) {
    if (originalIds.isEmpty()) {
      throw new IllegalArgumentException("an item id mapping needs at least one item; got none");
    }
    String[] o = new String[originalIds.size() + 1];
    Map<String, Integer> m = new HashMap<>(originalIds.size() * 2);
    for (int i = 0; i < originalIds.size(); i++) {
      String id = originalIds.get(i);
      if (id == null || id.isEmpty() || id.indexOf('\t') >= 0 || id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
        throw new IllegalArgumentException(
            "original id of item " + (i + 1) + " is " + (id == null ? "null" : "'" + id + "'")
                + "; ids must be non-empty and contain no tab or line break");
      }
      Integer prev = m.putIfAbsent(id, i + 1);
      if (prev != null) {
        throw new IllegalArgumentException(
            "original id '" + id + "' is given to items " + prev + " and " + (i + 1) + "; ids must be distinct");
      }
      o[i + 1] = id;
    }
    return new ItemIdMapping(o, m);
  }

  /**
   * Creates the identity mapping: internal id i has original id {@code "i"}.
   *
   * @param numItems N, at least 1
   * @return the mapping
   * @throws IllegalArgumentException if {@code numItems < 1}
   */
  public static ItemIdMapping identity(int numItems) {
    if (numItems < 1) {
      throw new IllegalArgumentException("numItems = " + numItems + "; need N >= 1");
    }
    List<String> ids = new ArrayList<>(numItems);
    for (int i = 1; i <= numItems; i++) {
      ids.add(Integer.toString(i));
    }
    return of(ids);
  }

  /**
   * Returns N.
   *
   * @return the number of items
   */
  public int size() {
    return originals.length - 1;
  }

  /**
   * Returns an item's original id.
   *
   * @param item the internal id, 1..N
   * @return the original id
   * @throws IllegalArgumentException if {@code item} is outside 1..N
   */
  public String originalId(int item) {
    if (item < 1 || item >= originals.length) {
      throw new IllegalArgumentException("item " + item + " is out of range; allowed 1.." + size());
    }
    return originals[item];
  }

  /**
   * Returns the internal id of an original id.
   *
   * @param originalId the original id
   * @return the internal id, 1..N
   * @throws IllegalArgumentException if the original id is unknown
   */
  public int internalId(String originalId) {
    Integer id = internal.get(originalId);
    if (id == null) {
      throw new IllegalArgumentException(
          "unknown original item id '" + originalId + "'; the mapping holds " + size() + " items");
    }
    return id;
  }

  /**
   * Returns whether an original id is mapped.
   *
   * @param originalId the original id
   * @return true if known
   */
  public boolean contains(String originalId) {
    return internal.containsKey(originalId);
  }

  /**
   * Returns the original ids in internal-id order.
   *
   * @return an unmodifiable list of N ids (element i is item i + 1)
   */
  public List<String> originalIds() {
    List<String> out = new ArrayList<>(size());
    for (int i = 1; i < originals.length; i++) {
      out.add(originals[i]);
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * Writes the mapping as CSV ({@value #CSV_HEADER}), atomically.
   *
   * @param file the target file, usually {@value #FILE_NAME}
   * @throws UncheckedIOException if writing fails
   */
  public void writeCsv(Path file) {
    AtomicFiles.write(file, out -> {
      Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
      w.write(CSV_HEADER);
      w.write('\n');
      for (int i = 1; i < originals.length; i++) {
        w.write(Integer.toString(i));
        w.write(',');
        String id = originals[i];
        if (id.indexOf(',') >= 0 || id.indexOf('"') >= 0) {
          w.write('"');
          w.write(id.replace("\"", "\"\""));
          w.write('"');
        } else {
          w.write(id);
        }
        w.write('\n');
      }
      w.flush();
    });
  }

  /**
   * Reads a mapping written by {@link #writeCsv(Path)}.
   *
   * @param file the CSV file
   * @return the mapping
   * @throws IllegalArgumentException naming the file and line if the content is malformed
   * @throws UncheckedIOException if reading fails
   */
  public static ItemIdMapping readCsv(Path file) {
    List<String> ids = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = r.readLine();
      if (header == null) {
        throw new IllegalArgumentException(file + ": empty file; expected the header '" + CSV_HEADER + "'");
      }
      if (!header.startsWith("\uFEFF" + CSV_HEADER) && !header.trim().equals(CSV_HEADER)) {
        throw new IllegalArgumentException(file + ":1: header is '" + header + "'; expected '" + CSV_HEADER
            + "' (an item id mapping as written next to a command's outputs)");
      }
      String line;
      int lineNo = 1;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isEmpty()) {
          continue;
        }
        List<String> f = CsvLines.split(line, file, lineNo);
        if (f.size() != 2) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": " + f.size() + " fields; expected 2: internal_id,external_id");
        }
        String expected = Integer.toString(ids.size() + 1);
        if (!f.get(0).trim().equals(expected)) {
          throw new IllegalArgumentException(
              file + ":" + lineNo + ": internal id '" + f.get(0) + "'; ids must be 1..N in order, expected "
                  + expected);
        }
        ids.add(f.get(1));
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new UncheckedIOException("item id mapping not found: " + file, e);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + file + ": " + e.getMessage(), e);
    }
    if (ids.isEmpty()) {
      throw new IllegalArgumentException(file + ": no items after the header; expected at least one line");
    }
    try {
      return of(ids);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }
}
