package io.github.mmesid.benchmarks;

import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.io.safetensors.SafetensorsDType;
import io.github.mmesid.llm.llama.LlamaCheckpointWriter;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaHiddenStates;
import io.github.mmesid.llm.llama.LlamaWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Memory experiment (not JMH): {@code write DIR F32|BF16} writes a ~1 GB (F32) checkpoint of a
 * 252M-parameter Llama; {@code load DIR [copy]} loads it in a fresh JVM (F32 memory-mapped, or copied with {@code copy}), runs one forward pass, and
 * prints peak heap (sum of heap pools' peaks), direct and mapped buffer totals, and RSS figures
 * from {@code /proc/self/status} (VmHWM = peak RSS, RssAnon, RssFile) after loading and after the
 * forward pass.
 */
public final class LlamaLoadMemory {
  private LlamaLoadMemory() {}

  /** 252M parameters: 1.0 GB in F32 with the LM head. */
  static final LlamaConfig CONFIG = LlamaConfig.of(1024, 2816, 16, 16, 8, 32000, 2048);

  /**
   * Entry point.
   *
   * @param args {@code write DIR F32|BF16} or {@code load DIR [copy]}
   */
  public static void main(String[] args) {
    if (args.length >= 3 && args[0].equals("write")) {
      Path dir = Path.of(args[1]);
      long t0 = System.nanoTime();
      LlamaCheckpointWriter.writeRandom(dir, CONFIG, 1,
          new LlamaCheckpointWriter.Format(SafetensorsDType.valueOf(args[2]), 400L << 20));
      System.out.printf(Locale.ROOT, "wrote %s (%s) in %.1f s: %d bytes%n", dir, args[2],
          (System.nanoTime() - t0) / 1e9, size(dir));
      return;
    }
    if (args.length >= 2 && args[0].equals("load")) {
      Path dir = Path.of(args[1]);
      report("start");
      long t0 = System.nanoTime();
      boolean copy = args.length >= 3 && args[2].equals("copy");
      LlamaWeights w = LlamaWeights.load(dir, new LlamaWeights.LoadOptions(true, !copy));
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "loaded %s: %d bytes of fp32 weights in %.1f s "
          + "(checkpoint files %d bytes)%n", w.config(), w.byteSize(), secs, size(dir));
      report("after load");
      try (LlamaHiddenStates hs = LlamaHiddenStates.open(w,
          RuntimeOptions.defaults())) {
        long t1 = System.nanoTime();
        hs.run(new long[][] {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}});
        System.out.printf(Locale.ROOT, "first forward (compile + run, 16 tokens): %.1f s%n",
            (System.nanoTime() - t1) / 1e9);
        report("after forward");
      }
      return;
    }
    System.err.println("usage: LlamaLoadMemory write DIR F32|BF16 | load DIR [copy]");
  }

  private static long size(Path dir) {
    try (var s = Files.list(dir)) {
      return s.mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void report(String when) {
    long heapPeak = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
        heapPeak += p.getPeakUsage().getUsed();
      }
    }
    StringBuilder b = new StringBuilder();
    for (BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      b.append(String.format(Locale.ROOT, " %s=%.0fMB", p.getName(), p.getMemoryUsed() / 1e6));
    }
    String status;
    try {
      status = Files.readString(Path.of("/proc/self/status"));
    } catch (IOException e) {
      status = "";
    }
    StringBuilder rss = new StringBuilder();
    for (String line : status.split("\n")) {
      if (line.startsWith("VmHWM") || line.startsWith("VmRSS") || line.startsWith("RssAnon")
          || line.startsWith("RssFile")) {
        rss.append(' ').append(line.replaceAll("\\s+", " "));
      }
    }
    System.out.printf(Locale.ROOT, "[%s] heap peak %.0f MB;%s;%s%n", when, heapPeak / 1e6,
        b, rss);
  }
}
