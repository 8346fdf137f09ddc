package io.github.mmesid.core.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mmesid.core.io.safetensors.SafetensorsFormatException.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {

  @TempDir Path dir;

  private static List<String> listing(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static float[] floats(SplittableRandom rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }

  @Test
  void shardedRoundTrip() throws IOException {
    SplittableRandom rnd = new SplittableRandom(11);
    float[] a = floats(rnd, 10); // 40 bytes
    float[] b = floats(rnd, 20); // 40 bytes as BF16
    float[] c = floats(rnd, 30); // 120 bytes, larger than a shard: gets its own
    long[] d = {1, 2, 3}; // 24 bytes
    SafetensorsWriter w = new SafetensorsWriter()
        .addFloat32("layers.0.a", new long[] {2, 5}, a)
        .addFloats("layers.0.b", SafetensorsDType.BF16, new long[] {20}, b)
        .addFloat32("layers.1.c", new long[] {30}, c)
        .addInt64("step", new long[] {3}, d)
        .putMetadata("format", "pt");
    Path ckpt = dir.resolve("ckpt");
    List<Path> written = w.writeSharded(ckpt, 100);
    assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
            "model-00003-of-00003.safetensors", "model.safetensors.index.json"),
        written.stream().map(p -> p.getFileName().toString()).collect(Collectors.toList()));
    assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
        "model-00003-of-00003.safetensors", "model.safetensors.index.json"), listing(ckpt));

    JsonNode index = new ObjectMapper().readTree(ckpt.resolve("model.safetensors.index.json").toFile());
    assertEquals(40 + 40 + 120 + 24, index.get("metadata").get("total_size").asLong());
    JsonNode map = index.get("weight_map");
    assertEquals("model-00001-of-00003.safetensors", map.get("layers.0.a").asText());
    assertEquals("model-00001-of-00003.safetensors", map.get("layers.0.b").asText());
    assertEquals("model-00002-of-00003.safetensors", map.get("layers.1.c").asText());
    assertEquals("model-00003-of-00003.safetensors", map.get("step").asText());

    SafetensorsReader r = SafetensorsReader.open(ckpt);
    try {
      assertTrue(r instanceof ShardedSafetensors);
      ShardedSafetensors s = (ShardedSafetensors) r;
      assertEquals(OptionalLong.of(224), s.totalSize());
      assertEquals(3, s.shardFiles().size());
      assertEquals("model-00002-of-00003.safetensors",
          s.shardOf("layers.1.c").getFileName().toString());
      assertEquals(new TreeSet<>(List.of("layers.0.a", "layers.0.b", "layers.1.c", "step")),
          r.names());
      assertEquals(Map.of("format", "pt"), r.metadata());
      assertArrayEquals(a, r.readFloat32("layers.0.a"));
      assertArrayEquals(new long[] {2, 5}, r.tensor("layers.0.a").shape());
      float[] bRead = r.readFloat32("layers.0.b");
      for (int i = 0; i < b.length; i++) {
        assertEquals(BFloat16.toFloat(BFloat16.fromFloat(b[i])), bRead[i]);
      }
      assertArrayEquals(c, r.readFloat32("layers.1.c"));
      assertArrayEquals(d, r.readInt64("step"));
      assertEquals(c[29], r.slice("layers.1.c", 116, 4).getFloat(0));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> r.tensor("nope"));
      assertTrue(e.getMessage().contains("index") && e.getMessage().contains("'nope'"));
    } finally {
      r.close();
    }
    r.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> r.readFloat32("step"));

    // the same directory rewritten as one file: stale shards and index are removed
    List<Path> single = w.writeSharded(ckpt, 1L << 30);
    assertEquals(List.of(ckpt.resolve("model.safetensors")), single);
    assertEquals(List.of("model.safetensors"), listing(ckpt));
    try (SafetensorsReader one = SafetensorsReader.open(ckpt)) {
      assertArrayEquals(c, one.readFloat32("layers.1.c"));
    }
    // and back to two shards: the single file goes
    w.writeSharded(ckpt, 200);
    assertEquals(List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
        "model.safetensors.index.json"), listing(ckpt));
  }

  private Path writeIndex(String json) throws IOException {
    Path p = dir.resolve("model.safetensors.index.json");
    Files.writeString(p, json, StandardCharsets.UTF_8);
    return p;
  }

  private void writeShard(String name, String... tensors) {
    SafetensorsWriter w = new SafetensorsWriter();
    for (String t : tensors) {
      w.addFloat32(t, new long[] {1}, new float[] {1});
    }
    w.write(dir.resolve(name));
  }

  private SafetensorsFormatException expect(Path index, Problem problem, String... fragments) {
    SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
        () -> ShardedSafetensors.open(index).close());
    assertEquals(problem, e.problem(), e.getMessage());
    assertTrue(e.getMessage().contains(index.toString()), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
    }
    return e;
  }

  @Test
  void pathTraversalIsRejected() throws IOException {
    Path outside = dir.resolveSibling(dir.getFileName() + "-outside.safetensors");
    new SafetensorsWriter().addFloat32("w", new long[] {1}, new float[] {1}).write(outside);
    try {
      for (String bad : List.of("../" + outside.getFileName(), outside.toString(), "sub/x.safetensors",
          "..", ".", "", "a\\\\b.safetensors", "c:x.safetensors")) {
        Path idx = writeIndex("{\"weight_map\":{\"w\":\"" + bad + "\"}}");
        expect(idx, Problem.UNSAFE_SHARD_PATH, "'w'", "plain file names");
      }
    } finally {
      Files.deleteIfExists(outside);
    }
  }

  @Test
  void missingShardAndMissingTensor() throws IOException {
    writeShard("s1.safetensors", "a");
    expect(writeIndex("{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}"),
        Problem.MISSING_SHARD, "'s2.safetensors'", "'b'");
    expect(writeIndex("{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\"}}"),
        Problem.MISSING_TENSOR, "'b'", "'s1.safetensors'");
  }

  @Test
  void malformedIndex() throws IOException {
    writeShard("s1.safetensors", "a");
    expect(writeIndex("{\"metadata\":{}}"), Problem.BAD_INDEX, "weight_map");
    expect(writeIndex("not json"), Problem.BAD_INDEX, "not valid JSON");
    expect(writeIndex("[]"), Problem.BAD_INDEX);
    expect(writeIndex("{\"weight_map\":{\"a\":\"s1.safetensors\",\"a\":\"s1.safetensors\"}}"),
        Problem.BAD_INDEX, "Duplicate");
    expect(writeIndex("{\"weight_map\":{\"a\":5}}"), Problem.BAD_INDEX, "'a'");
    expect(writeIndex("{\"metadata\":{\"total_size\":-4},\"weight_map\":{\"a\":\"s1.safetensors\"}}"),
        Problem.BAD_INDEX, "total_size");
  }

  @Test
  void handWrittenIndexWithExtrasAndSymlinkedShard() throws IOException {
    writeShard("s1.safetensors", "a", "unlisted");
    Path blob = dir.resolve("blobs");
    Files.createDirectories(blob);
    SafetensorsWriter w = new SafetensorsWriter().addFloat32("b", new long[] {2}, new float[] {3, 4});
    w.write(blob.resolve("abc123"));
    try {
      Files.createSymbolicLink(dir.resolve("s2.safetensors"), Path.of("blobs", "abc123"));
    } catch (IOException | UnsupportedOperationException e) {
      Assumptions.abort("symbolic links unsupported here: " + e);
    }
    Path idx = writeIndex("{\"metadata\":{\"total_size\":12.0,\"format\":\"pt\"},"
        + "\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
    try (SafetensorsReader r = SafetensorsReader.open(idx)) {
      assertEquals(new TreeSet<>(List.of("a", "b")), r.names());
      assertFalse(r.contains("unlisted"));
      assertArrayEquals(new float[] {3, 4}, r.readFloat32("b"));
      assertEquals(OptionalLong.of(12), ((ShardedSafetensors) r).totalSize());
    }
  }
}
