package io.github.mmesid.core.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Splitting of CSV lines (RFC 4180 quoting), shared by the SDK's CSV readers. */
public final class CsvLines {
  private CsvLines() {}

  /**
   * Splits one CSV line into fields; a field may be double-quoted, with {@code ""} as an escaped
   * quote inside it.
   *
   * @param line the line, without its line break
   * @param file the file, for error messages
   * @param lineNo the 1-based line number, for error messages
   * @return the fields (at least one)
   * @throws IllegalArgumentException for an unterminated quoted field or text after a closing
   *     quote (the message names file, line and column)
   */
  public static List<String> split(String line, Path file, int lineNo) {
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
}
