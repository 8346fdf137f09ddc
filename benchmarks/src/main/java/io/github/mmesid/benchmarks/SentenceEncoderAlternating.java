package io.github.mmesid.benchmarks;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.llm.text.SentenceEncoder;
import io.github.mmesid.llm.text.SentenceEncoderConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison of {@link SentenceEncoderBenchmark} for a machine whose load changes while it
 * runs: langchain4j's encoder and the SDK's (default options, and with ORT thread spinning on as
 * in langchain4j's session) take turns, 256 texts each per round, so a burst of foreign load hits
 * every contender about equally; the median over rounds is printed. Run: {@code java -cp benchmarks.jar
 * io.github.mmesid.benchmarks.SentenceEncoderAlternating [rounds]}.
 */
public final class SentenceEncoderAlternating {

  private static final int PER_ROUND = 256;
  private static final int BATCH = 32;

  private SentenceEncoderAlternating() {}

  /**
   * Runs the comparison.
   *
   * @param args optional number of rounds (default 12; the first 2 are warm-up)
   */
  public static void main(String[] args) {
    System.setProperty("ai.djl.offline", "true");
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
    List<String> texts = SentenceEncoderBenchmark.texts();
    AllMiniLmL6V2EmbeddingModel lc = new AllMiniLmL6V2EmbeddingModel();
    Map<String, SentenceEncoder> sdk = new LinkedHashMap<>();
    sdk.put("sdk", SentenceEncoder.allMiniLmL6V2());
    sdk.put("sdk-spinning", SentenceEncoder.allMiniLmL6V2(SentenceEncoderConfig.builder()
        .runtime(RuntimeOptions.builder().threadSpinning(true).build()).build()));
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      int base = r * PER_ROUND;
      record(rates, "langchain4j batch 32", () -> {
        for (int k = 0; k < PER_ROUND; k += BATCH) {
          lc.embedAll(slice(texts, base + k, BATCH).stream().map(TextSegment::from).toList());
        }
      });
      record(rates, "langchain4j batch 1", () -> {
        for (int k = 0; k < PER_ROUND; k++) {
          lc.embed(texts.get((base + k) % texts.size()));
        }
      });
      for (Map.Entry<String, SentenceEncoder> e : sdk.entrySet()) {
        SentenceEncoder enc = e.getValue();
        record(rates, e.getKey() + " batch 32", () -> {
          for (int k = 0; k < PER_ROUND; k += BATCH) {
            enc.embed(slice(texts, base + k, BATCH));
          }
        });
        record(rates, e.getKey() + " batch 1", () -> {
          for (int k = 0; k < PER_ROUND; k++) {
            enc.embed(texts.get((base + k) % texts.size()));
          }
        });
      }
    }
    for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
      List<Double> v = new ArrayList<>(e.getValue().subList(Math.min(2, rounds - 1), rounds));
      Collections.sort(v);
      System.out.printf(Locale.ROOT, "%-22s median %6.1f sentences/s (min %6.1f, max %6.1f, %d rounds)%n", e.getKey(),
          v.get(v.size() / 2), v.get(0), v.get(v.size() - 1), v.size());
    }
    sdk.values().forEach(SentenceEncoder::close);
  }

  private static List<String> slice(List<String> texts, int from, int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(texts.get((from + i) % texts.size()));
    }
    return out;
  }

  private static void record(Map<String, List<Double>> rates, String name, Runnable work) {
    long t0 = System.nanoTime();
    work.run();
    rates.computeIfAbsent(name, k -> new ArrayList<>()).add(PER_ROUND / ((System.nanoTime() - t0) / 1e9));
  }
}
