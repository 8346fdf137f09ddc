package io.github.mmesid.examples;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A text template over CSV columns, e.g. {@code "{title}[ ({year})]. Genres: {genres}"}.
 *
 * <ul>
 *   <li>{@code {column}} is replaced by the column's value; a missing value renders as nothing.
 *   <li>{@code [ ... ]} is an optional section: it is dropped when any placeholder inside it is
 *       missing (sections nest).
 *   <li>{@code \{ \} \[ \] \\} are literal characters.
 * </ul>
 * Immutable and thread-safe.
 */
final class TextTemplate {

  /** A parsed piece: literal text, a placeholder, or an optional section. */
  private sealed interface Part permits Literal, Placeholder, Section {}

  private record Literal(String text) implements Part {}

  private record Placeholder(String column) implements Part {}

  private record Section(List<Part> parts) implements Part {}

  private final String source;
  private final List<Part> parts;
  private final Set<String> columns;

  private TextTemplate(String source, List<Part> parts, Set<String> columns) {
    this.source = source;
    this.parts = parts;
    this.columns = columns;
  }

  /**
   * Parses a template.
   *
   * @param template the template text
   * @return the template
   * @throws IllegalArgumentException naming the position of an unbalanced brace or bracket, an
   *     empty placeholder or a dangling backslash
   */
  static TextTemplate parse(String template) {
    Set<String> columns = new LinkedHashSet<>();
    int[] pos = {0};
    List<Part> parts = parseParts(template, pos, false, columns);
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("template '" + template + "' has no {column} placeholder; allowed: text with "
          + "placeholders such as \"{title}. Genres: {genres}\"");
    }
    return new TextTemplate(template, List.copyOf(parts), Set.copyOf(columns));
  }

  private static List<Part> parseParts(String s, int[] pos, boolean inSection, Set<String> columns) {
    List<Part> parts = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    while (pos[0] < s.length()) {
      char c = s.charAt(pos[0]);
      if (c == '\\') {
        if (pos[0] + 1 >= s.length() || "{}[]\\".indexOf(s.charAt(pos[0] + 1)) < 0) {
          throw error(s, pos[0], "a backslash must escape one of { } [ ] \\");
        }
        lit.append(s.charAt(pos[0] + 1));
        pos[0] += 2;
      } else if (c == '{') {
        int end = s.indexOf('}', pos[0]);
        if (end < 0) {
          throw error(s, pos[0], "'{' is not closed by '}'");
        }
        String name = s.substring(pos[0] + 1, end).trim();
        if (name.isEmpty() || name.contains("{")) {
          throw error(s, pos[0], "a placeholder needs a column name, e.g. {title}");
        }
        flush(lit, parts);
        parts.add(new Placeholder(name));
        columns.add(name);
        pos[0] = end + 1;
      } else if (c == '}') {
        throw error(s, pos[0], "'}' without '{' (write \\} for a literal brace)");
      } else if (c == '[') {
        flush(lit, parts);
        int open = pos[0];
        pos[0]++;
        List<Part> inner = parseParts(s, pos, true, columns);
        if (pos[0] >= s.length() || s.charAt(pos[0]) != ']') {
          throw error(s, open, "'[' is not closed by ']'");
        }
        pos[0]++;
        parts.add(new Section(List.copyOf(inner)));
      } else if (c == ']') {
        if (!inSection) {
          throw error(s, pos[0], "']' without '[' (write \\] for a literal bracket)");
        }
        flush(lit, parts);
        return parts;
      } else {
        lit.append(c);
        pos[0]++;
      }
    }
    flush(lit, parts);
    return parts;
  }

  private static void flush(StringBuilder lit, List<Part> parts) {
    if (lit.length() > 0) {
      parts.add(new Literal(lit.toString()));
      lit.setLength(0);
    }
  }

  private static IllegalArgumentException error(String s, int at, String what) {
    return new IllegalArgumentException("template '" + s + "' at character " + (at + 1) + ": " + what);
  }

  /**
   * The column names the template refers to.
   *
   * @return an unmodifiable set
   */
  Set<String> columns() {
    return columns;
  }

  /**
   * Checks that every placeholder names an allowed column.
   *
   * @param allowed the allowed column names
   * @throws IllegalArgumentException naming the first unknown placeholder
   */
  void requireColumns(Collection<String> allowed) {
    for (String c : columns) {
      if (!allowed.contains(c)) {
        throw new IllegalArgumentException("template placeholder {" + c + "} is not one of the text columns "
            + allowed + "; allowed: {" + String.join("}, {", allowed) + "}");
      }
    }
  }

  /**
   * Renders the template.
   *
   * @param values column name to value; a null or absent value is missing
   * @return the text (trimmed)
   */
  String render(Map<String, String> values) {
    StringBuilder sb = new StringBuilder();
    render(parts, values, sb);
    return sb.toString().trim();
  }

  /** Appends the parts; returns false if a placeholder was missing. */
  private static boolean render(List<Part> parts, Map<String, String> values, StringBuilder sb) {
    boolean complete = true;
    for (Part p : parts) {
      if (p instanceof Literal l) {
        sb.append(l.text());
      } else if (p instanceof Placeholder ph) {
        String v = values.get(ph.column());
        if (v == null) {
          complete = false;
        } else {
          sb.append(v);
        }
      } else {
        Section sec = (Section) p;
        int mark = sb.length();
        if (!render(sec.parts(), values, sb)) {
          sb.setLength(mark);
        }
      }
    }
    return complete;
  }

  @Override
  public String toString() {
    return source;
  }
}
