package io.github.mmesid.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mmesid.core.io.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Command-line options generated from a configuration record, so that an option's name is the
 * config field it sets: the field {@code latentDim} (JSON key {@code latent_dim}) is the option
 * {@code --latent-dim}. Defaults shown in help are the config's defaults; parsing goes through
 * {@link Json#withOverrides}, so the record's own validation judges every value.
 */
final class ConfigOptions<R extends Record> {

  private final R defaults;
  private final Map<String, Option> options = new LinkedHashMap<>(); // kebab name -> option

  /**
   * Describes every field of a configuration record.
   *
   * @param defaults the configuration whose values are the defaults
   * @param descriptions kebab-case option name to one line of help; every field needs one
   * @throws IllegalStateException if a field has no description or a description names no field
   */
  ConfigOptions(R defaults, Map<String, String> descriptions) {
    this.defaults = defaults;
    JsonNode tree = Json.toTree(defaults);
    List<String> missing = new ArrayList<>();
    for (String key : Json.keys(defaults)) {
      String name = key.replace('_', '-');
      String description = descriptions.get(name);
      if (description == null) {
        missing.add(name);
        continue;
      }
      JsonNode v = tree.get(key);
      options.put(name, Option.optional(name, placeholder(defaults, key, v), description, show(v)));
    }
    List<String> unknown = new ArrayList<>(descriptions.keySet());
    unknown.removeAll(options.keySet());
    unknown.removeAll(missing);
    if (!missing.isEmpty() || !unknown.isEmpty()) {
      throw new IllegalStateException(defaults.getClass().getSimpleName()
          + " options: fields without a description " + missing + ", descriptions without a field "
          + unknown);
    }
  }

  /**
   * The options, one per config field, in field order.
   *
   * @return the options
   */
  List<Option> options() {
    return new ArrayList<>(options.values());
  }

  /**
   * Whether a name is one of these options.
   *
   * @param name the kebab-case option name
   * @return true if it sets a config field
   */
  boolean contains(String name) {
    return options.containsKey(name);
  }

  /**
   * Builds the configuration from the defaults and the options given on the command line.
   *
   * @param args the parsed command line
   * @param extra further field values (kebab- or snake-case keys) computed by the command; given
   *     options win over them
   * @return the configuration
   * @throws UsageException naming the option if a value is malformed or rejected by the config
   */
  R parse(Args args, Map<String, String> extra) {
    return parse(defaults, args, extra);
  }

  /**
   * Builds the configuration from a base (e.g. a named preset) and the options given on the
   * command line.
   *
   * @param base the configuration whose values the given options replace
   * @param args the parsed command line
   * @param extra further field values (kebab- or snake-case keys) computed by the command; given
   *     options win over them
   * @return the configuration
   * @throws UsageException naming the option if a value is malformed or rejected by the config
   */
  R parse(R base, Args args, Map<String, String> extra) {
    Map<String, String> given = new LinkedHashMap<>(extra);
    for (String name : options.keySet()) {
      if (args.has(name)) {
        given.put(name, args.get(name));
      }
    }
    try {
      return Json.withOverrides(base, given, "option");
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static String show(JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isArray()) {
      StringJoiner j = new StringJoiner(",");
      v.forEach(e -> j.add(e.asText()));
      return v.size() == 0 ? "none" : j.toString();
    }
    return v.isTextual() ? v.asText().toLowerCase(Locale.ROOT) : v.asText();
  }

  private static String placeholder(Record defaults, String key, JsonNode v) {
    Class<?> type = componentType(defaults, key);
    if (type != null && type.isEnum()) {
      StringJoiner j = new StringJoiner("|");
      for (Object c : type.getEnumConstants()) {
        j.add(c.toString().toLowerCase(Locale.ROOT));
      }
      return j.toString();
    }
    if (v == null || v.isNull() || v.isTextual()) {
      return "TEXT";
    }
    if (v.isBoolean()) {
      return "true|false";
    }
    if (v.isArray()) {
      return "X,X,...|none";
    }
    return v.isIntegralNumber() ? "N" : "X";
  }

  private static Class<?> componentType(Record r, String key) {
    return Arrays.stream(r.getClass().getRecordComponents())
        .filter(c -> Json.snakeCase(c.getName()).equals(key))
        .map(c -> (Class<?>) c.getType()).findFirst().orElse(null);
  }
}
