package io.github.mmesid.spark.examples;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} arguments, checked against the allowed names. */
final class Args {

  private final Map<String, String> values = new LinkedHashMap<>();

  Args(String[] args, Set<String> allowed, Set<String> flags, String usage) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || !allowed.contains(a.substring(2))) {
        throw new IllegalArgumentException("unknown argument '" + a + "'; allowed: --"
            + String.join(", --", new java.util.TreeSet<>(allowed)) + "\n" + usage);
      }
      String name = a.substring(2);
      if (flags.contains(name)) {
        values.put(name, "true");
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--" + name + " needs a value\n" + usage);
        }
        values.put(name, args[++i]);
      }
    }
  }

  String required(String name) {
    String v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }

  String get(String name, String def) {
    return values.getOrDefault(name, def);
  }

  boolean flag(String name) {
    return values.containsKey(name);
  }

  int integer(String name, int def, int min, int max) {
    String v = values.get(name);
    if (v == null) {
      return def;
    }
    try {
      int x = Integer.parseInt(v);
      if (x < min || x > max) {
        throw new NumberFormatException();
      }
      return x;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " " + v + " is invalid; allowed integers " + min + ".." + max);
    }
  }
}
