package io.github.mmesid.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads a tokenizer in a fresh JVM whose environment does NOT opt out of DJL's telemetry (the
 * build's test runner does, so this is the only way to see what {@link HfTokenizer}'s static
 * initializer achieves on its own): DJL must never start its call-home (its check-in time stays
 * 0), and the native library must come out of the jar into an empty cache directory.
 */
class DjlOfflineTest {

  @TempDir Path dir;

  /** Runs in the child JVM: loads, encodes, and reports DJL's state on stdout. */
  static final class Child {
    private Child() {}

    public static void main(String[] args) throws Exception {
      try (HfTokenizer tok = HfTokenizer.load(Path.of(args[0]))) {
        System.out.println("ids=" + Arrays.toString(tok.encode("hello world", false)));
      }
      Field lastCheckIn = Class.forName("ai.djl.util.Ec2Utils").getDeclaredField("lastCheckIn");
      lastCheckIn.setAccessible(true);
      System.out.println("lastCheckIn=" + lastCheckIn.getLong(null));
      System.out.println("ai.djl.offline=" + System.getProperty("ai.djl.offline"));
      System.out.println("OPT_OUT_TRACKING=" + System.getProperty("OPT_OUT_TRACKING"));
      System.out.println("RUST_FLAVOR=" + System.getProperty("RUST_FLAVOR"));
    }
  }

  @Test
  void noCallHomeAndBundledLibraryWithoutEnvironmentOptOut() throws Exception {
    Path cache = Files.createDirectories(dir.resolve("djl-cache"));
    List<String> out = runChild(cache, Map.of());
    assertTrue(out.contains("ids=[1, 2]"), String.join("\n", out));
    assertTrue(out.contains("lastCheckIn=0"), "DJL started its call-home:\n" + String.join("\n", out));
    assertTrue(out.contains("ai.djl.offline=true"), String.join("\n", out));
    assertTrue(out.contains("OPT_OUT_TRACKING=true"), String.join("\n", out));
    assertTrue(out.contains("RUST_FLAVOR=null"), "RUST_FLAVOR is only forced when DJL_OFFLINE=false:\n" + out);
    assertEquals(1, nativeLibraries(cache).size(), "the bundled library extracted into the empty cache: " + out);
    assertTrue(nativeLibraries(cache).get(0).getParent().getFileName().toString().contains("-cpu-"),
        "CPU flavour: " + nativeLibraries(cache));
  }

  @Test
  void environmentDisablingOfflineModeStillUsesTheBundledCpuLibrary() throws Exception {
    Path cache = Files.createDirectories(dir.resolve("djl-cache"));
    List<String> out = runChild(cache, Map.of("DJL_OFFLINE", "false"));
    assertTrue(out.contains("ids=[1, 2]"), String.join("\n", out));
    assertTrue(out.contains("lastCheckIn=0"), "DJL started its call-home:\n" + String.join("\n", out));
    assertTrue(out.contains("RUST_FLAVOR=cpu"), String.join("\n", out));
    assertEquals(1, nativeLibraries(cache).size(), String.join("\n", out));
  }

  private List<String> runChild(Path cache, Map<String, String> extraEnv) throws IOException, InterruptedException {
    Path tokDir = TinyTokenizers.writeDir(Files.createDirectories(dir.resolve("tok")), false);
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m",
        "-cp", System.getProperty("java.class.path"),
        "-DDJL_CACHE_DIR=" + cache,
        Child.class.getName(),
        tokDir.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    for (String v : List.of("OPT_OUT_TRACKING", "DJL_OFFLINE", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR",
        "RUST_LIBRARY_PATH", "RUST_FLAVOR", "JAVA_TOOL_OPTIONS")) {
      pb.environment().remove(v);
    }
    pb.environment().putAll(extraEnv);
    Path log = dir.resolve("child.log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("the child JVM hung (network access?); output so far:\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join("\n", lines));
    return lines;
  }

  private static List<Path> nativeLibraries(Path cache) throws IOException {
    try (Stream<Path> s = Files.walk(cache)) {
      return s.filter(f -> {
        String n = f.getFileName().toString();
        return n.startsWith("libtokenizers.") || n.equals("tokenizers.dll");
      }).toList();
    }
  }
}
