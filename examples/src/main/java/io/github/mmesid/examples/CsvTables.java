package io.github.mmesid.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the item table of {@code embed-text} (an id column and text columns, with a header line)
 * with Jackson's CSV parser: RFC 4180, so quoted fields may hold commas, doubled quotes and line
 * breaks (item descriptions do; {@code core.io.CsvLines} splits single lines only).
 */
final class CsvTables {

  private static final CsvMapper MAPPER = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);

  private CsvTables() {}

  /**
   * One item of an item table.
   *
   * @param line the line the row starts on (1-based; the header is line 1)
   * @param id the external item id (trimmed)
   * @param values text column to value; null where the value is missing
   */
  record ItemRow(long line, String id, Map<String, String> values) {
    /** Whether every text column is missing. */
    boolean hasNoText() {
      for (String v : values.values()) {
        if (v != null) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Reads an item table.
   *
   * @param file the CSV file, with a header line
   * @param idColumn the column holding the external item id
   * @param textColumns the columns holding text
   * @param naValues values (after trimming) that mean "missing", besides the empty string
   * @param listSeparator if not null, a value's parts separated by it are joined with ", "
   * @return the rows in file order
   * @throws IllegalArgumentException naming the file and line for a missing column, a short row,
   *     an empty or repeated id, or malformed CSV
   */
  static List<ItemRow> readItems(Path file, String idColumn, List<String> textColumns, Set<String> naValues,
      String listSeparator) {
    List<ItemRow> rows = new ArrayList<>();
    Map<String, Long> seen = new HashMap<>();
    int[] ix = null;
    int needed = 0;
    try (MappingIterator<String[]> it = MAPPER.readerFor(String[].class).readValues(file.toFile())) {
      while (true) {
        // the parser stands at the end of the previous row; a row starts on the next line
        long line = Math.max(1, it.getCurrentLocation().getLineNr());
        if (!it.hasNextValue()) {
          break;
        }
        String[] fields = it.nextValue();
        if (ix == null) {
          ix = headerIndex(file, fields, idColumn, textColumns);
          needed = Arrays.stream(ix).max().getAsInt() + 1;
          continue;
        }
        if (fields.length == 1 && fields[0].isBlank()) {
          continue; // blank line
        }
        if (fields.length < needed) {
          throw new IllegalArgumentException(file + ":" + line + ": " + fields.length + " fields; the header has at "
              + "least " + needed + " (columns " + idColumn + ", " + String.join(", ", textColumns) + ")");
        }
        String id = fields[ix[0]].trim();
        if (id.isEmpty()) {
          throw new IllegalArgumentException(file + ":" + line + ": empty " + idColumn + "; every row needs an item "
              + "id");
        }
        Long prev = seen.putIfAbsent(id, line);
        if (prev != null) {
          throw new IllegalArgumentException(file + ":" + line + ": " + idColumn + " '" + id + "' repeats line "
              + prev + "; allowed: one row per item");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int c = 0; c < textColumns.size(); c++) {
          values.put(textColumns.get(c), clean(fields[ix[c + 1]], naValues, listSeparator));
        }
        rows.add(new ItemRow(line, id, Collections.unmodifiableMap(values)));
      }
    } catch (JsonProcessingException e) {
      long line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new IllegalArgumentException(file + (line > 0 ? ":" + line : "") + ": malformed item CSV: "
          + e.getOriginalMessage(), e);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(file + ": no such file", e);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (ix == null) {
      throw new IllegalArgumentException(file + ": empty file; expected a header line with the columns " + idColumn
          + ", " + String.join(", ", textColumns));
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(file + ": no item rows after the header");
    }
    return rows;
  }

  /**
   * A text value as the command uses it: trimmed; null when empty or one of {@code naValues}; its
   * {@code listSeparator}-separated parts joined with ", ".
   */
  private static String clean(String raw, Set<String> naValues, String listSeparator) {
    String v = raw.trim();
    if (v.isEmpty() || naValues.contains(v)) {
      return null;
    }
    if (listSeparator == null || !v.contains(listSeparator)) {
      return v;
    }
    List<String> parts = new ArrayList<>();
    for (String p : v.split(Pattern.quote(listSeparator), -1)) {
      if (!p.isBlank()) {
        parts.add(p.trim());
      }
    }
    return parts.isEmpty() ? null : String.join(", ", parts);
  }

  private static int[] headerIndex(Path file, String[] header, String idColumn, List<String> textColumns) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < header.length; i++) {
      String h = header[i].trim();
      if (i == 0 && h.startsWith("\uFEFF")) {
        h = h.substring(1);
      }
      names.add(h);
    }
    List<String> wanted = new ArrayList<>();
    wanted.add(idColumn);
    wanted.addAll(textColumns);
    int[] ix = new int[wanted.size()];
    for (int w = 0; w < wanted.size(); w++) {
      int at = names.indexOf(wanted.get(w));
      if (at < 0) {
        throw new IllegalArgumentException(file + ":1: no column '" + wanted.get(w) + "' in the header; the columns "
            + "are " + names);
      }
      if (names.lastIndexOf(wanted.get(w)) != at) {
        throw new IllegalArgumentException(file + ":1: the header names column '" + wanted.get(w) + "' twice");
      }
      ix[w] = at;
    }
    return ix;
  }
}
