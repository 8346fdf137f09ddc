package io.github.mmesid.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The packages of mmesid-core form no cycle (read from the main sources' imports). */
class PackageCycleTest {
  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?(io\\.github\\.mmesid\\.core(?:\\.[a-z]\\w*)*)\\.[A-Z]");

  @Test
  void corePackagesHaveNoCycle() throws IOException {
    Path root = Path.of("src/main/java/io/github/mmesid/core");
    assertTrue(Files.isDirectory(root), "run from the mmesid-core module directory");
    Map<String, Set<String>> deps = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String pkg = "io.github.mmesid.core" + root.relativize(f.getParent()).toString()
            .replace('/', '.').transform(s -> s.isEmpty() ? "" : "." + s);
        Set<String> out = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
        for (String line : Files.readAllLines(f)) {
          Matcher m = IMPORT.matcher(line);
          if (m.find() && !m.group(1).equals(pkg)) {
            out.add(m.group(1));
          }
        }
      }
    }
    assertTrue(deps.containsKey("io.github.mmesid.core.data"), deps.keySet().toString());
    List<String> cycles = new ArrayList<>();
    for (String start : deps.keySet()) {
      findCycle(start, start, deps, new ArrayList<>(List.of(start)), cycles);
    }
    assertEquals(List.of(), cycles, "package cycles; dependencies: " + deps);
  }

  private static void findCycle(String start, String at, Map<String, Set<String>> deps,
      List<String> path, List<String> cycles) {
    for (String next : deps.getOrDefault(at, Set.of())) {
      if (next.equals(start)) {
        cycles.add(String.join(" -> ", path) + " -> " + start);
      } else if (!path.contains(next) && next.compareTo(start) > 0) {
        path.add(next);
        findCycle(start, next, deps, path, cycles);
        path.remove(path.size() - 1);
      }
    }
  }
}
