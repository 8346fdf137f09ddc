package io.github.mmesid.benchmarks;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.github.mmesid.llm.text.SentenceEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sentence-encoding throughput (sentences per second) of the SDK's {@link SentenceEncoder} and
 * langchain4j's {@code AllMiniLmL6V2EmbeddingModel}, same model file (all-MiniLM-L6-v2), same
 * texts, same JVM: batches of 32 ({@code embed(List)} vs {@code embedAll}) and single texts
 * ({@code embed(String)} vs {@code embed(String)}). Texts are "title. Genres: ..." of the first
 * 1,024 MovieLens movies when {@code ../shared/data} is present, else seeded word sequences of
 * similar length; calls cycle through them. Both use their default settings (the SDK: all cores
 * for ONNX Runtime, batch 32; langchain4j: one ORT session with ORT's default threads and a pool
 * of one thread per core over the texts of {@code embedAll}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SentenceEncoderBenchmark {

  private static final int TEXTS = 1024;
  private static final int BATCH = 32;

  private SentenceEncoder sdk;
  private AllMiniLmL6V2EmbeddingModel langchain4j;
  private List<String> texts;
  private List<List<String>> batches;
  private List<List<TextSegment>> segmentBatches;
  private int next;

  /** Loads both encoders and the texts. */
  @Setup
  public void setUp() {
    System.setProperty("ai.djl.offline", "true");
    texts = texts();
    batches = new ArrayList<>();
    segmentBatches = new ArrayList<>();
    for (int i = 0; i + BATCH <= texts.size(); i += BATCH) {
      List<String> b = texts.subList(i, i + BATCH);
      batches.add(b);
      segmentBatches.add(b.stream().map(TextSegment::from).toList());
    }
    sdk = SentenceEncoder.allMiniLmL6V2();
    langchain4j = new AllMiniLmL6V2EmbeddingModel();
  }

  /** Releases the SDK's session (langchain4j's model is a static singleton without close). */
  @TearDown
  public void tearDown() {
    sdk.close();
  }

  static List<String> texts() {
    Path movies = Path.of(System.getProperty("mmesid.shared.data", "../shared/data"), "movielens", "movies.csv");
    List<String> out = new ArrayList<>();
    if (Files.isRegularFile(movies)) {
      try (MappingIterator<Map<String, String>> it = new CsvMapper().readerForMapOf(String.class)
          .with(CsvSchema.emptySchema().withHeader()).readValues(movies.toFile())) {
        while (it.hasNext() && out.size() < TEXTS) {
          Map<String, String> row = it.next();
          out.add(row.get("title") + ". Genres: " + row.get("genres").replace("|", ", "));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + movies, e);
      }
      return out;
    }
    String[] words = {"the", "night", "story", "love", "war", "of", "a", "man", "city", "lost", "drama", "comedy",
        "action", "adventure", "thriller", "romance", "fantasy", "children", "crime", "mystery"};
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < TEXTS; i++) {
      StringBuilder sb = new StringBuilder();
      int n = 4 + r.nextInt(12);
      for (int w = 0; w < n; w++) {
        sb.append(w == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
      }
      out.add(sb.toString());
    }
    return out;
  }

  private int nextIndex(int modulus) {
    int i = next;
    next = (next + 1) % modulus;
    return i;
  }

  /**
   * The SDK, 32 texts per call.
   *
   * @return the embeddings
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float[][] sdkBatch32() {
    return sdk.embed(batches.get(nextIndex(batches.size())));
  }

  /**
   * langchain4j, 32 texts per call.
   *
   * @return the embeddings
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object langchain4jBatch32() {
    return langchain4j.embedAll(segmentBatches.get(nextIndex(segmentBatches.size()))).content();
  }

  /**
   * The SDK, one text per call.
   *
   * @return the embedding
   */
  @Benchmark
  public float[] sdkBatch1() {
    return sdk.embed(texts.get(nextIndex(texts.size())));
  }

  /**
   * langchain4j, one text per call.
   *
   * @return the embedding
   */
  @Benchmark
  public float[] langchain4jBatch1() {
    return langchain4j.embed(texts.get(nextIndex(texts.size()))).content().vector();
  }
}
