package io.github.mmesid.core.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one JSON convention of every file the SDK writes, and strict record binding of
 * configurations.
 *
 * <p>Keys are snake_case everywhere (a record component {@code latentDim} is the key {@code
 * latent_dim} and the command-line option {@code --latent-dim}). Configurations are records bound
 * by Jackson through their canonical constructors, so a config's own validation runs on every
 * read; unknown keys are rejected by name, listing the allowed ones; keys a file omits keep the
 * defaults given by the caller.
 */
public final class Json {

  /** Largest JSON document the SDK reads (configs, manifests, logs): 16 MiB. */
  public static final int MAX_DOCUMENT_BYTES = 16 << 20;

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .build();

  static {
    MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxStringLength(MAX_DOCUMENT_BYTES).maxNestingDepth(64).build());
  }

  private Json() {}

  /**
   * The shared, configured mapper (thread-safe; do not reconfigure it).
   *
   * @return the mapper
   */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Converts a value (record, map, list, number...) to a JSON tree with snake_case keys.
   *
   * @param value the value
   * @return the tree
   */
  public static JsonNode toTree(Object value) {
    return MAPPER.valueToTree(value);
  }

  /**
   * Formats a value as indented JSON.
   *
   * @param value the value
   * @return the JSON text, ending with a newline
   */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot format " + value.getClass().getSimpleName()
          + " as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Writes a value as indented JSON, atomically.
   *
   * @param file the target file
   * @param value the value
   * @throws UncheckedIOException if writing fails
   */
  public static void writeFile(Path file, Object value) {
    byte[] bytes = write(value).getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(file, o -> o.write(bytes));
  }

  /**
   * Reads a JSON document of at most {@link #MAX_DOCUMENT_BYTES}.
   *
   * @param file the file
   * @return the tree
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it is too large or not JSON (naming the file)
   */
  public static JsonNode readTree(Path file) {
    try {
      long size = Files.size(file);
      if (size > MAX_DOCUMENT_BYTES) {
        throw new IllegalArgumentException(file + " is " + size + " bytes; JSON files the SDK "
            + "reads are at most " + MAX_DOCUMENT_BYTES + " bytes");
      }
      return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads a small JSON document (a model's manifest) under a tighter bound than {@link
   * #readTree(Path)}.
   *
   * @param file the file
   * @param maxBytes the largest accepted size, at most {@link #MAX_DOCUMENT_BYTES}
   * @param what what the file is, for the missing-file message (e.g. "popularity manifest")
   * @return the tree
   * @throws UncheckedIOException if the file is missing ("WHAT not found: FILE") or unreadable
   * @throws IllegalArgumentException if it is larger than {@code maxBytes} or not JSON (naming
   *     the file)
   */
  public static JsonNode readTree(Path file, long maxBytes, String what) {
    if (maxBytes < 0 || maxBytes > MAX_DOCUMENT_BYTES) {
      throw new IllegalArgumentException("maxBytes = " + maxBytes + "; allowed 0.."
          + MAX_DOCUMENT_BYTES);
    }
    try {
      long size = Files.size(file);
      if (size > maxBytes) {
        throw new IllegalArgumentException(file + " is " + size + " bytes; at most " + maxBytes
            + " are accepted");
      }
      return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(what + " not found: " + file, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses JSON text.
   *
   * @param text the text
   * @param source where it comes from, for messages
   * @return the tree
   * @throws IllegalArgumentException if it is too large or not JSON
   */
  public static JsonNode parse(String text, String source) {
    if (text.length() > MAX_DOCUMENT_BYTES) {
      throw new IllegalArgumentException(source + ": JSON of " + text.length()
          + " characters; at most " + MAX_DOCUMENT_BYTES + " are read");
    }
    try {
      JsonNode n = MAPPER.readTree(text);
      if (n == null || n.isMissingNode()) {
        throw new IllegalArgumentException(source + ": empty JSON document");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Binds a configuration record from JSON. Keys the JSON omits take their values from {@code
   * defaults}; unknown keys, wrong types and values the record's constructor rejects fail with
   * one message naming the key.
   *
   * @param json a JSON object with snake_case keys
   * @param type the record type
   * @param defaults the values of omitted keys
   * @param source where the JSON comes from, for messages (a file name)
   * @param <R> the record type
   * @return the bound record
   * @throws IllegalArgumentException if the JSON does not describe a valid configuration
   */
  public static <R extends Record> R readConfig(JsonNode json, Class<R> type, R defaults,
      String source) {
    String what = type.getSimpleName();
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException(source + ": a " + what + " must be a JSON object, got "
          + (json == null ? "nothing" : json.getNodeType()));
    }
    ObjectNode merged = (ObjectNode) MAPPER.valueToTree(defaults);
    List<String> unknown = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!merged.has(e.getKey())) {
        unknown.add(e.getKey());
      } else {
        merged.set(e.getKey(), e.getValue());
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(source + ": unknown " + what + " key" + (unknown.size() > 1 ? "s " : " ")
          + unknown + "; allowed: " + keys(defaults));
    }
    return bind(merged, type, source);
  }

  /**
   * Binds a configuration record from JSON text (see {@link #readConfig(JsonNode, Class, Record,
   * String)}).
   *
   * @param text the JSON text
   * @param type the record type
   * @param defaults the values of omitted keys
   * @param source where the JSON comes from, for messages
   * @param <R> the record type
   * @return the bound record
   * @throws IllegalArgumentException if the JSON does not describe a valid configuration
   */
  public static <R extends Record> R readConfig(String text, Class<R> type, R defaults,
      String source) {
    return readConfig(parse(text, source), type, defaults, source);
  }

  /**
   * Returns a copy of a configuration with some fields replaced by values given as text (as on
   * a command line). Keys are field names in snake_case (or kebab-case); each value is parsed by
   * the JSON type the field has in {@code base}: numbers, booleans ({@code true/false}), strings
   * and enums (case-insensitive, '-' read as '_'), arrays as comma-separated lists ({@code none}
   * or an empty text for an empty array), {@code null} for a nullable field.
   *
   * @param base the configuration to start from
   * @param values field name to value text
   * @param source where the values come from, for messages (e.g. "command line")
   * @param <R> the record type
   * @return the new configuration
   * @throws IllegalArgumentException naming the field if a name is unknown or a value does not
   *     parse or is rejected by the record
   */
  @SuppressWarnings("unchecked")
  public static <R extends Record> R withOverrides(R base, Map<String, String> values,
      String source) {
    ObjectNode merged = (ObjectNode) MAPPER.valueToTree(base);
    for (Map.Entry<String, String> e : values.entrySet()) {
      String key = e.getKey().replace('-', '_');
      JsonNode current = merged.get(key);
      if (current == null) {
        throw new IllegalArgumentException(source + ": unknown " + base.getClass().getSimpleName()
            + " field '" + e.getKey() + "'; allowed: " + keys(base));
      }
      JsonNode like = current;
      if (current.isArray() && current.isEmpty()) {
        // an empty default tells nothing about its elements: take their type from the field
        like = JsonNodeFactory.instance.arrayNode().add(elementTemplate(base.getClass(), key));
      }
      merged.set(key, parseLike(like, e.getValue(), key, source));
    }
    return bind(merged, (Class<R>) base.getClass(), source);
  }

  /**
   * A value of the element type of an array or list record field, for parsing its elements:
   * text for strings and enums, integers, floating-point numbers or booleans (a number when the
   * type cannot be told).
   */
  private static JsonNode elementTemplate(Class<?> recordType, String key) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    Type t = null;
    for (RecordComponent c : recordType.getRecordComponents()) {
      if (snakeCase(c.getName()).equals(key)) {
        t = c.getType().isArray() ? c.getType().getComponentType() : c.getGenericType();
      }
    }
    if (t instanceof ParameterizedType p && p.getActualTypeArguments().length == 1) {
      t = p.getActualTypeArguments()[0];
    }
    if (t == String.class) {
      return f.textNode("");
    }
    if (t instanceof Class<?> c && c.isEnum() && c.getEnumConstants().length > 0) {
      return f.textNode(c.getEnumConstants()[0].toString().toUpperCase(Locale.ROOT));
    }
    if (t == int.class || t == long.class || t == short.class || t == Integer.class || t == Long.class
        || t == Short.class) {
      return f.numberNode(0L);
    }
    if (t == boolean.class || t == Boolean.class) {
      return f.booleanNode(false);
    }
    return f.numberNode(0.0);
  }

  /**
   * A record as a flat map from its snake_case keys to the compact JSON text of each value (for
   * example to record a config in a checkpoint and compare it on resume).
   *
   * @param record the record
   * @return key to JSON text, in component order
   */
  public static Map<String, String> flatten(Record record) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    MAPPER.valueToTree(record).fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().toString()));
    return out;
  }

  /**
   * The snake_case keys of a record, in component order.
   *
   * @param record the record
   * @return the keys
   */
  public static List<String> keys(Record record) {
    List<String> out = new ArrayList<>();
    MAPPER.valueToTree(record).fieldNames().forEachRemaining(out::add);
    return out;
  }

  /**
   * Turns a record component or field name into its snake_case JSON key.
   *
   * @param camel e.g. {@code latentDim}
   * @return e.g. {@code latent_dim}
   */
  public static String snakeCase(String camel) {
    return ((PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE).translate(camel);
  }

  private static JsonNode parseLike(JsonNode like, String text, String key, String source) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    String t = text == null ? "" : text.trim();
    String where = source + ": " + key.replace('_', '-') + " = '" + text + "'";
    if (like.isArray()) {
      ArrayNode a = f.arrayNode();
      if (t.isEmpty() || t.equalsIgnoreCase("none")) {
        return a;
      }
      JsonNode elem = like.size() > 0 ? like.get(0) : f.numberNode(0.0);
      for (String part : t.split(",")) {
        a.add(parseLike(elem, part, key, source));
      }
      return a;
    }
    if (t.equalsIgnoreCase("null") && !like.isNumber() && !like.isBoolean()) {
      return f.nullNode();
    }
    if (like.isBoolean()) {
      if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
        return f.booleanNode(Boolean.parseBoolean(t.toLowerCase(Locale.ROOT)));
      }
      throw new IllegalArgumentException(where + " is not a boolean; allowed: true, false");
    }
    if (like.isIntegralNumber()) {
      try {
        return f.numberNode(Long.parseLong(t));
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(where + " is not an integer");
      }
    }
    if (like.isNumber()) {
      try {
        double d = Double.parseDouble(t);
        if (!Double.isFinite(d)) {
          throw new NumberFormatException();
        }
        return f.numberNode(d);
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(where + " is not a finite number");
      }
    }
    if (like.isTextual() && like.asText().equals(like.asText().toUpperCase(Locale.ROOT))
        && !like.asText().isEmpty()) {
      return f.textNode(t.replace('-', '_')); // enum constant; case-insensitive binding
    }
    return f.textNode(t);
  }

  private static <R> R bind(ObjectNode json, Class<R> type, String source) {
    try {
      return MAPPER.treeToValue(json, type);
    } catch (ValueInstantiationException e) {
      Throwable c = e.getCause();
      if (c instanceof IllegalArgumentException iae) {
        throw new IllegalArgumentException(source + ": " + iae.getMessage(), iae);
      }
      throw new IllegalArgumentException(source + ": invalid " + type.getSimpleName() + ": "
          + e.getOriginalMessage(), e);
    } catch (InvalidFormatException e) {
      String allowed = e.getTargetType() != null && e.getTargetType().isEnum()
          ? "; allowed: " + java.util.Arrays.stream(e.getTargetType().getEnumConstants())
              .map(c -> c.toString().toLowerCase(Locale.ROOT))
              .collect(java.util.stream.Collectors.joining(", ")) : "";
      throw new IllegalArgumentException(source + ": " + type.getSimpleName() + "." + path(e)
          + " = " + e.getValue() + " is not allowed" + allowed, e);
    } catch (MismatchedInputException e) {
      throw new IllegalArgumentException(source + ": " + type.getSimpleName() + "." + path(e)
          + ": " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": invalid " + type.getSimpleName() + ": "
          + e.getOriginalMessage(), e);
    }
  }

  private static String path(MismatchedInputException e) {
    StringBuilder sb = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? "?" : sb.toString();
  }
}
