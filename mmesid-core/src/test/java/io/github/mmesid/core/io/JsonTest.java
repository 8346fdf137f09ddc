package io.github.mmesid.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonTest {

  enum Mode { FAST, SLOW_AND_STEADY }

  /** A config shaped like the SDK's: primitives, an enum, an array, a nullable string. */
  record Cfg(int hiddenSize, double learningRate, Mode mode, int[] layers, String anchor,
      boolean shuffle, long seed) {
    Cfg {
      if (hiddenSize < 1) {
        throw new IllegalArgumentException("Cfg.hiddenSize = " + hiddenSize + " is invalid; allowed: >= 1");
      }
      layers = layers.clone();
    }
  }

  static final Cfg DEFAULTS = new Cfg(8, 1e-3, Mode.FAST, new int[] {4, 2}, null, true, 42);

  @Test
  void writesSnakeCaseKeysInComponentOrder() {
    JsonNode t = Json.toTree(DEFAULTS);
    assertEquals(List.of("hidden_size", "learning_rate", "mode", "layers", "anchor", "shuffle", "seed"),
        Json.keys(DEFAULTS));
    assertEquals(8, t.get("hidden_size").asInt());
    assertEquals("FAST", t.get("mode").asText());
    assertTrue(t.get("anchor").isNull());
    assertEquals("latent_dim", Json.snakeCase("latentDim"));
  }

  @Test
  void readConfigFillsOmittedKeysFromDefaultsAndRoundTrips() {
    Cfg c = Json.readConfig("{\"hidden_size\": 16, \"mode\": \"slow_and_steady\", \"layers\": []}",
        Cfg.class, DEFAULTS, "cfg.json");
    assertEquals(16, c.hiddenSize());
    assertEquals(Mode.SLOW_AND_STEADY, c.mode());
    assertArrayEquals(new int[0], c.layers());
    assertEquals(1e-3, c.learningRate());
    assertEquals(42, c.seed());
    Cfg back = Json.readConfig(Json.write(c), Cfg.class, DEFAULTS, "again");
    assertEquals(Json.toTree(c), Json.toTree(back));
  }

  @Test
  void readConfigRejectsUnknownKeysWrongTypesAndInvalidValuesByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Json.readConfig("{\"hidden_size\": 16, \"hiden\": 3}", Cfg.class, DEFAULTS, "cfg.json"));
    assertTrue(e.getMessage().startsWith("cfg.json: unknown Cfg key [hiden]"), e.getMessage());
    assertTrue(e.getMessage().contains("allowed: [hidden_size, learning_rate"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Json.readConfig("{\"hidden_size\": \"big\"}", Cfg.class, DEFAULTS, "cfg.json"));
    assertTrue(e.getMessage().contains("hidden_size"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Json.readConfig("{\"hidden_size\": 0}", Cfg.class, DEFAULTS, "cfg.json"));
    assertEquals("cfg.json: Cfg.hiddenSize = 0 is invalid; allowed: >= 1", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Json.readConfig("{\"mode\": \"medium\"}", Cfg.class, DEFAULTS, "cfg.json"));
    assertTrue(e.getMessage().contains("mode") && e.getMessage().contains("allowed: fast, slow_and_steady"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Json.readConfig("{\"seed\": null}", Cfg.class, DEFAULTS, "cfg.json"));
    assertTrue(e.getMessage().contains("seed"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Json.readConfig("[1, 2]", Cfg.class, DEFAULTS, "cfg.json"));
    assertTrue(e.getMessage().contains("must be a JSON object"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Json.readConfig("{\"seed\": 1} trailing", Cfg.class, DEFAULTS, "cfg.json"));
    assertTrue(e.getMessage().startsWith("cfg.json: not valid JSON"), e.getMessage());
  }

  /** Array and list fields whose defaults are empty. */
  record Lists(List<String> names, List<Mode> modes, int[] sizes, List<Double> weights) {}

  @Test
  void overridesOfEmptyDefaultArraysParseByTheElementType() {
    Lists empty = new Lists(List.of(), List.of(), new int[0], List.of());
    Map<String, String> v = new LinkedHashMap<>();
    v.put("names", "collab,text");
    v.put("modes", "fast,slow-and-steady");
    v.put("sizes", "3,4");
    v.put("weights", "0.5,2");
    Lists l = Json.withOverrides(empty, v, "cli");
    assertEquals(List.of("collab", "text"), l.names());
    assertEquals(List.of(Mode.FAST, Mode.SLOW_AND_STEADY), l.modes());
    assertArrayEquals(new int[] {3, 4}, l.sizes());
    assertEquals(List.of(0.5, 2.0), l.weights());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Json.withOverrides(empty, Map.of("sizes", "3,x"), "cli"));
    assertTrue(e.getMessage().contains("sizes = 'x' is not an integer"), e.getMessage());
  }

  @Test
  void overridesParseTextByTheFieldsType() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("hidden-size", "32");
    v.put("learning_rate", "0.5");
    v.put("mode", "slow-and-steady");
    v.put("layers", "8,4,2");
    v.put("anchor", "collab");
    v.put("shuffle", "false");
    Cfg c = Json.withOverrides(DEFAULTS, v, "command line");
    assertEquals(32, c.hiddenSize());
    assertEquals(0.5, c.learningRate());
    assertEquals(Mode.SLOW_AND_STEADY, c.mode());
    assertArrayEquals(new int[] {8, 4, 2}, c.layers());
    assertEquals("collab", c.anchor());
    assertEquals(false, c.shuffle());
    assertArrayEquals(new int[0], Json.withOverrides(DEFAULTS, Map.of("layers", "none"), "cli").layers());
    assertNull(Json.withOverrides(c, Map.of("anchor", "null"), "cli").anchor());
  }

  @Test
  void overridesRejectUnknownFieldsAndMalformedValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Json.withOverrides(DEFAULTS, Map.of("e-dim", "3"), "option"));
    assertTrue(e.getMessage().contains("unknown Cfg field 'e-dim'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Json.withOverrides(DEFAULTS, Map.of("hidden-size", "1.5"), "option"));
    assertEquals("option: hidden-size = '1.5' is not an integer", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Json.withOverrides(DEFAULTS, Map.of("learning-rate", "NaN"), "option"));
    assertTrue(e.getMessage().contains("not a finite number"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Json.withOverrides(DEFAULTS, Map.of("shuffle", "yes"), "option"));
    assertTrue(e.getMessage().contains("allowed: true, false"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Json.withOverrides(DEFAULTS, Map.of("hidden-size", "-1"), "option"));
    assertTrue(e.getMessage().contains("allowed: >= 1"), e.getMessage());
  }

  @Test
  void filesAreWrittenAtomicallyAndReadBackWithABound(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("sub").resolve("c.json");
    Json.writeFile(f, Map.of("a_b", 1));
    assertEquals(1, Json.readTree(f).get("a_b").asInt());
    Files.writeString(f, "{\"a\": ");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.readTree(f));
    assertTrue(e.getMessage().contains("c.json") && e.getMessage().contains("not valid JSON"), e.getMessage());
  }

  @Test
  void smallDocumentsAreReadUnderTheirOwnBound(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("manifest.json");
    Files.writeString(f, "{\"format\": \"x\"}");
    assertEquals("x", Json.readTree(f, 64, "test manifest").path("format").asText());
    IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
        () -> Json.readTree(f, 8, "test manifest"));
    assertTrue(big.getMessage().contains("at most 8 are accepted"), big.getMessage());
    java.io.UncheckedIOException missing = assertThrows(java.io.UncheckedIOException.class,
        () -> Json.readTree(dir.resolve("none.json"), 64, "test manifest"));
    assertTrue(missing.getMessage().startsWith("test manifest not found: "), missing.getMessage());
    Files.writeString(f, "{nope");
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> Json.readTree(f, 64, "test manifest"));
    assertTrue(bad.getMessage().contains("not valid JSON"), bad.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Json.readTree(f, Json.MAX_DOCUMENT_BYTES + 1L, "test manifest"));
  }
}
