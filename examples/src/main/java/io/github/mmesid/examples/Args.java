package io.github.mmesid.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parsed options of one command ({@code --name value}, {@code --name=value} or a bare
 * {@code --switch}), with typed getters that raise {@link UsageException} naming the option and
 * what is allowed.
 */
public final class Args {

  private final String command;
  private final Map<String, Option> spec;
  private final Map<String, String> values;
  private final Outputs outputs = new Outputs();

  private Args(String command, Map<String, Option> spec, Map<String, String> values) {
    this.command = command;
    this.spec = spec;
    this.values = values;
  }

  /**
   * Parses a command's arguments.
   *
   * @param command the command name (for messages)
   * @param options the options the command accepts
   * @param argv the arguments after the command name
   * @return the parsed arguments
   * @throws UsageException for unknown, repeated, valueless or missing options
   */
  public static Args parse(String command, List<Option> options, List<String> argv) {
    Map<String, Option> spec = new LinkedHashMap<>();
    for (Option o : options) {
      spec.put(o.name(), o);
    }
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i);
      if (!a.startsWith("--") || a.length() == 2) {
        throw new UsageException("unexpected argument '" + a + "'; " + command + " takes only options: " + names(spec));
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      Option o = spec.get(name);
      if (o == null) {
        throw new UsageException("unknown option --" + name + " for " + command + "; allowed: " + names(spec));
      }
      if (o.takesValue()) {
        if (value == null) {
          if (i + 1 >= argv.size() || argv.get(i + 1).startsWith("--")) {
            throw new UsageException("option --" + name + " needs a value " + o.valueName());
          }
          value = argv.get(++i);
        }
      } else {
        if (value != null) {
          throw new UsageException("option --" + name + " takes no value");
        }
        value = "true";
      }
      if (o.isRepeatable() && values.containsKey(name)) {
        values.put(name, values.get(name) + "\n" + value);
        continue;
      }
      if (values.put(name, value) != null) {
        throw new UsageException("option --" + name + " is given twice; give it once");
      }
    }
    for (Option o : options) {
      if (o.required() && !values.containsKey(o.name())) {
        throw new UsageException("missing required option --" + o.name() + " " + o.valueName()
            + " (see '" + command + " --help')");
      }
    }
    return new Args(command, spec, values);
  }

  private static String names(Map<String, Option> spec) {
    List<String> n = new ArrayList<>();
    for (String k : spec.keySet()) {
      n.add("--" + k);
    }
    n.add("--help");
    return String.join(", ", n);
  }

  /**
   * Returns whether an option was given.
   *
   * @param name the option name
   * @return true if present on the command line
   */
  public boolean has(String name) {
    return values.containsKey(checkKnown(name));
  }

  /**
   * Returns an option's value or its default.
   *
   * @param name the option name
   * @return the value, or null if absent without default
   */
  public String get(String name) {
    Option o = spec.get(checkKnown(name));
    String v = values.get(name);
    return v != null ? v : o.defaultValue();
  }

  /**
   * Returns every value of a repeatable option, in command-line order.
   *
   * @param name the option name
   * @return the values, empty if absent
   */
  public List<String> getAll(String name) {
    String v = get(name);
    return v == null ? List.of() : List.of(v.split("\n", -1));
  }

  /**
   * Returns an option as a path.
   *
   * @param name the option name
   * @return the path, or null if absent without default
   */
  public Path path(String name) {
    String v = get(name);
    return v == null ? null : Paths.get(v);
  }

  /**
   * Returns an option as a path to an existing regular file.
   *
   * @param name the option name
   * @return the path
   * @throws UsageException if absent or not an existing file
   */
  public Path existingFile(String name) {
    Path p = path(name);
    if (p == null) {
      throw new UsageException("missing option --" + name);
    }
    if (!Files.isRegularFile(p)) {
      throw new UsageException("--" + name + " " + p + ": no such file");
    }
    return p;
  }

  /**
   * Returns an option as an integer in a range.
   *
   * @param name the option name
   * @param min smallest allowed value
   * @param max largest allowed value
   * @return the value
   * @throws UsageException if absent without default, not an integer or out of range
   */
  public int intValue(String name, int min, int max) {
    String v = get(name);
    if (v == null) {
      throw new UsageException("missing option --" + name);
    }
    try {
      int x = Integer.parseInt(v.trim());
      if (x < min || x > max) {
        throw new UsageException("--" + name + " " + v + " is out of range; allowed " + min + ".." + max);
      }
      return x;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " '" + v + "' is not an integer; allowed " + min + ".." + max);
    }
  }

  /**
   * Returns an option as a long.
   *
   * @param name the option name
   * @return the value
   * @throws UsageException if absent without default or not an integer
   */
  public long longValue(String name) {
    String v = get(name);
    try {
      return Long.parseLong(v == null ? "" : v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " '" + v + "' is not an integer");
    }
  }

  /**
   * Returns an option as a comma-separated list of positive integers.
   *
   * @param name the option name
   * @return the values
   * @throws UsageException if absent without default or malformed
   */
  public int[] intList(String name) {
    String v = get(name);
    if (v == null || v.isBlank()) {
      throw new UsageException("--" + name + " needs a comma-separated list of positive integers, e.g. 5,10,20");
    }
    try {
      int[] out = Arrays.stream(v.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
      for (int x : out) {
        if (x < 1) {
          throw new NumberFormatException();
        }
      }
      return out;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " '" + v + "' is invalid; expected positive integers like 5,10,20");
    }
  }

  /**
   * Returns an option that must be one of a few values.
   *
   * @param name the option name
   * @param allowed the allowed values
   * @return the value
   * @throws UsageException if absent without default or not allowed
   */
  public String choice(String name, List<String> allowed) {
    String v = get(name);
    if (v == null || !allowed.contains(v)) {
      throw new UsageException("--" + name + " '" + v + "' is not allowed; allowed: " + String.join(", ", allowed));
    }
    return v;
  }

  /**
   * Returns an option as an output directory, made ready now, before the command's work: created
   * if missing, and checked to be writable. If the command then fails, the CLI removes the files
   * it wrote through {@link OutputDir#file} and the directory if this call created it.
   *
   * @param name the option name
   * @return the directory, or null if the option is absent without default
   * @throws UsageException if the path is a file or cannot be created or written, with the reason
   */
  public OutputDir outputDir(String name) {
    Path p = path(name);
    if (p == null) {
      return null;
    }
    outputs.prepareDir(name, p);
    return new OutputDir(name, p, outputs);
  }

  /**
   * Returns an option as an output file, made ready now: its directory created if missing and
   * checked to be writable. If the command then fails, the CLI removes the file if it did not
   * exist before, and the directories this call created.
   *
   * @param name the option name
   * @return the file, or null if the option is absent without default
   * @throws UsageException if the path is a directory or its directory is not usable
   */
  public Path outputFile(String name) {
    Path p = path(name);
    if (p == null) {
      return null;
    }
    outputs.prepareFile(name, p);
    return p;
  }

  /** Removes the outputs this run created (called by the CLI when the command fails). */
  void discardOutputs() {
    outputs.discard();
  }

  /**
   * Returns the command this parse belongs to.
   *
   * @return the command name
   */
  public String command() {
    return command;
  }

  private String checkKnown(String name) {
    if (!spec.containsKey(name)) {
      throw new IllegalStateException("command " + command + " has no option --" + name);
    }
    return name;
  }
}
