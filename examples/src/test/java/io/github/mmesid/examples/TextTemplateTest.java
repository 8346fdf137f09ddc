package io.github.mmesid.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TextTemplateTest {

  private static Map<String, String> values(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void rendersPlaceholdersAndDropsOptionalSectionsWithMissingValues() {
    TextTemplate t = TextTemplate.parse("[{title}[ ({year})]. ]Genres: {genres}");
    assertEquals(Set.of("title", "year", "genres"), t.columns());
    assertEquals("Heat (1995). Genres: Action, Crime",
        t.render(values("title", "Heat", "year", "1995", "genres", "Action, Crime")));
    assertEquals("Heat. Genres: Drama", t.render(values("title", "Heat", "year", null, "genres", "Drama")));
    assertEquals("Genres: Comedy", t.render(values("title", null, "year", "2001", "genres", "Comedy")));
    assertEquals("Genres:", t.render(values()));
    assertEquals("{x} [y] \\ z", TextTemplate.parse("\\{x\\} \\[y\\] \\\\ {z}").render(values("z", "z")));
  }

  @Test
  void rejectsMalformedTemplatesWithThePosition() {
    for (String[] bad : new String[][] {
        {"{title", "character 1: '{' is not closed"},
        {"title}", "character 6: '}' without '{'"},
        {"[{title}", "character 1: '[' is not closed"},
        {"{title}]", "character 8: ']' without '['"},
        {"{} x", "needs a column name"},
        {"{a} \\n", "a backslash must escape"},
        {"no placeholders", "has no {column} placeholder"}}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextTemplate.parse(bad[0]));
      assertTrue(e.getMessage().contains(bad[1]), bad[0] + " -> " + e.getMessage());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TextTemplate.parse("{title} {plot}").requireColumns(List.of("title", "genres")));
    assertTrue(e.getMessage().contains("{plot} is not one of the text columns [title, genres]"), e.getMessage());
  }
}
