package io.github.mmesid.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.llm.popularity.PopularityRecommender;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The saved form of a {@link PopularityRecommender}: a directory with two files, so that the
 * popularity baseline can be scored wherever the other models' directories are.
 *
 * <pre>
 * popularity.json   {"format": "mmesid-popularity", "format_version": 1, "num_items": N,
 *                    "counts": "counts.npy"}
 * counts.npy        int64 [N + 1]: row i = item i's count in the training parts of the
 *                   leave-one-out split (row 0 = padding, 0); the score of item i is its count
 * </pre>
 *
 * <p>{@link #write} writes {@code counts.npy} first and the manifest last, each atomically, so a
 * directory with a manifest always holds complete counts.
 */
public final class PopularityBundle {

  /** The manifest's file name. */
  public static final String MANIFEST_FILE = "popularity.json";
  /** The counts' file name. */
  public static final String COUNTS_FILE = "counts.npy";
  /** The manifest's {@code format} value. */
  public static final String FORMAT = "mmesid-popularity";
  /** The only format version: {@value}. */
  public static final int FORMAT_VERSION = 1;
  /** Largest manifest accepted, in bytes: {@value}. */
  public static final long MAX_MANIFEST_BYTES = 64 * 1024;

  private PopularityBundle() {}

  /**
   * Writes a popularity recommender into a directory (created if missing).
   *
   * @param recommender the recommender
   * @param dir the directory
   * @throws IllegalArgumentException if an argument is null
   * @throws UncheckedIOException if writing fails
   */
  public static void write(PopularityRecommender recommender, Path dir) {
    if (recommender == null || dir == null) {
      throw new IllegalArgumentException("recommender and dir must not be null");
    }
    int n = recommender.numItems();
    long[] counts = new long[n + 1];
    for (int i = 1; i <= n; i++) {
      counts[i] = recommender.count(i);
    }
    Npy.write(dir.resolve(COUNTS_FILE), NpyArray.ofLongs(counts, n + 1));
    ObjectNode root = Json.mapper().createObjectNode();
    root.put("format", FORMAT);
    root.put("format_version", FORMAT_VERSION);
    root.put("num_items", n);
    root.put("counts", COUNTS_FILE);
    Json.writeFile(dir.resolve(MANIFEST_FILE), root);
  }

  /**
   * Loads a popularity directory written by {@link #write}.
   *
   * @param dir the directory
   * @return the recommender
   * @throws IllegalArgumentException if {@code dir} is null, or the manifest or counts are
   *     malformed, naming the file and what is wrong
   * @throws UncheckedIOException if a file is missing or cannot be read
   */
  public static PopularityRecommender load(Path dir) {
    if (dir == null) {
      throw new IllegalArgumentException("dir must not be null");
    }
    Path manifest = dir.resolve(MANIFEST_FILE);
    JsonNode root = Json.readTree(manifest, MAX_MANIFEST_BYTES, "popularity manifest");
    if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException(manifest + " is not a popularity manifest (\"format\" must be \""
          + FORMAT + "\")");
    }
    if (root.path("format_version").asInt(-1) != FORMAT_VERSION) {
      throw new IllegalArgumentException(manifest + " has format_version " + root.path("format_version")
          + "; this version reads format_version " + FORMAT_VERSION);
    }
    JsonNode items = root.path("num_items");
    if (!items.canConvertToInt() || items.asInt() < 1) {
      throw new IllegalArgumentException(manifest + ": num_items = " + items + "; allowed an integer >= 1");
    }
    int n = items.asInt();
    if (!COUNTS_FILE.equals(root.path("counts").asText())) {
      throw new IllegalArgumentException(manifest + ": counts = " + root.path("counts")
          + "; allowed: \"" + COUNTS_FILE + "\"");
    }
    Path countsFile = dir.resolve(COUNTS_FILE);
    NpyArray a;
    try {
      a = Npy.read(countsFile);
    } catch (UncheckedIOException e) {
      throw new UncheckedIOException("cannot read popularity counts " + countsFile + ": "
          + e.getCause().getMessage(), e.getCause());
    }
    if (a.dtype() != NpyArray.DType.INT64 || a.rank() != 1 || a.shape()[0] != n + 1) {
      throw new IllegalArgumentException(countsFile + " is " + a + "; expected int64 [" + (n + 1)
          + "] (num_items + 1 counts, row 0 = padding)");
    }
    try {
      return PopularityRecommender.fromCounts(a.toLongs());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(countsFile + ": " + e.getMessage(), e);
    }
  }
}
