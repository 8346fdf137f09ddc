package io.github.mmesid.core.io.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mmesid.core.io.safetensors.SafetensorsFormatException.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face style sharded checkpoint: an index file ({@code model.safetensors.index.json})
 * whose {@code weight_map} maps each tensor name to a shard file in the same directory, presented
 * as one {@link SafetensorsReader} over the union of the tensors the index lists.
 *
 * <p>Opening validates the index (size bounded, JSON with no duplicate keys, shard names that are
 * plain file names inside the directory, so no path traversal) and then opens and validates every
 * shard; a missing shard, or a tensor that the index lists but its shard lacks, is an error.
 * Tensors a shard holds but the index does not list are not exposed. {@code metadata.total_size},
 * if present, is reported by {@link #totalSize()}; a mismatch with the tensors' byte total is
 * logged, not rejected. Closing closes every shard and is idempotent.
 */
public final class ShardedSafetensors implements SafetensorsReader {

  private static final Logger LOG = LoggerFactory.getLogger(ShardedSafetensors.class);
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final Path indexFile;
  private final List<SafetensorsFile> shards;
  private final Map<String, SafetensorsFile> owners;
  private final Map<String, TensorInfo> tensors;
  private final OptionalLong totalSize;
  private volatile boolean closed;

  private ShardedSafetensors(Path indexFile, List<SafetensorsFile> shards,
      Map<String, SafetensorsFile> owners, Map<String, TensorInfo> tensors,
      OptionalLong totalSize) {
    this.indexFile = indexFile;
    this.shards = shards;
    this.owners = owners;
    this.tensors = tensors;
    this.totalSize = totalSize;
  }

  /**
   * Opens a file, an index, or a checkpoint directory; see {@link SafetensorsReader#open(Path)}.
   *
   * @param fileOrDirectory the path
   * @return an open reader
   */
  static SafetensorsReader openModel(Path fileOrDirectory) {
    Objects.requireNonNull(fileOrDirectory, "fileOrDirectory");
    if (Files.isDirectory(fileOrDirectory)) {
      Path single = fileOrDirectory.resolve(SINGLE_FILE_NAME);
      if (Files.isRegularFile(single)) {
        return SafetensorsFile.open(single);
      }
      Path index = fileOrDirectory.resolve(INDEX_FILE_NAME);
      if (Files.isRegularFile(index)) {
        return open(index);
      }
      throw new IllegalArgumentException("directory " + fileOrDirectory + " holds neither "
          + SINGLE_FILE_NAME + " nor " + INDEX_FILE_NAME
          + "; pass a safetensors file, an index file, or a directory with one of them");
    }
    Path name = fileOrDirectory.getFileName();
    if (name != null && name.toString().endsWith(".index.json")) {
      return open(fileOrDirectory);
    }
    return SafetensorsFile.open(fileOrDirectory);
  }

  /**
   * Opens a sharded checkpoint from its index file, opening and validating every shard.
   *
   * @param indexFile the index, normally {@value SafetensorsReader#INDEX_FILE_NAME}
   * @return the open checkpoint, to be closed by the caller
   * @throws SafetensorsFormatException if the index or a shard is malformed, a shard name is not a
   *     plain file name, a shard is missing, or a listed tensor is absent from its shard
   * @throws UncheckedIOException if a file cannot be read
   */
  public static ShardedSafetensors open(Path indexFile) {
    Objects.requireNonNull(indexFile, "indexFile");
    String idx = indexFile.toString();
    Path dir = indexFile.toAbsolutePath().normalize().getParent();
    JsonNode root = readIndex(indexFile, idx);
    JsonNode weightMap = root.get("weight_map");
    if (weightMap == null || !weightMap.isObject()) {
      throw new SafetensorsFormatException(Problem.BAD_INDEX, idx,
          idx + ": index must have a \"weight_map\" object mapping tensor names to shard files, "
              + "found " + (weightMap == null ? "none" : weightMap.getNodeType()));
    }
    OptionalLong totalSize = readTotalSize(root, idx);

    // shard file name -> tensor names, in name order
    Map<String, List<String>> byShard = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new SafetensorsFormatException(Problem.BAD_INDEX, idx,
            idx + ": weight_map entry for tensor '" + e.getKey() + "' must be a shard file name "
                + "string, found " + e.getValue().getNodeType());
      }
      String shard = e.getValue().asText();
      checkShardName(idx, dir, e.getKey(), shard);
      byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(e.getKey());
    }

    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      Map<String, SafetensorsFile> owners = new TreeMap<>();
      Map<String, TensorInfo> tensors = new TreeMap<>();
      for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
        Path shardPath = dir.resolve(e.getKey());
        if (!Files.isRegularFile(shardPath)) {
          throw new SafetensorsFormatException(Problem.MISSING_SHARD, idx,
              idx + ": shard '" + e.getKey() + "' (holding " + e.getValue().size()
                  + " tensors, e.g. '" + e.getValue().get(0) + "') does not exist at "
                  + shardPath);
        }
        SafetensorsFile f = SafetensorsFile.open(shardPath);
        opened.add(f);
        for (String name : e.getValue()) {
          if (!f.contains(name)) {
            throw new SafetensorsFormatException(Problem.MISSING_TENSOR, idx,
                idx + ": tensor '" + name + "' is mapped to shard '" + e.getKey()
                    + "' but that shard does not contain it (it has " + f.tensors().size()
                    + " tensors" + SafetensorsFile.sample(f.names().iterator()) + ")");
          }
          owners.put(name, f);
          tensors.put(name, f.tensor(name));
        }
      }
      long sum = 0;
      for (TensorInfo t : tensors.values()) {
        sum += t.byteLength();
      }
      if (totalSize.isPresent() && totalSize.getAsLong() != sum) {
        LOG.warn("{}: metadata.total_size is {} but the listed tensors hold {} bytes", idx,
            totalSize.getAsLong(), sum);
      }
      return new ShardedSafetensors(indexFile, Collections.unmodifiableList(opened),
          Collections.unmodifiableMap(owners), Collections.unmodifiableMap(tensors), totalSize);
    } catch (RuntimeException e) {
      for (SafetensorsFile f : opened) {
        try {
          f.close();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private static JsonNode readIndex(Path indexFile, String idx) {
    byte[] bytes;
    try {
      long size = Files.size(indexFile);
      if (size > HeaderParser.MAX_HEADER_BYTES) {
        throw new SafetensorsFormatException(Problem.BAD_INDEX, idx,
            idx + ": index is " + size + " bytes, more than the limit of "
                + HeaderParser.MAX_HEADER_BYTES);
      }
      bytes = Files.readAllBytes(indexFile);
    } catch (IOException e) {
      throw new UncheckedIOException(idx + ": cannot read shard index", e);
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new SafetensorsFormatException(Problem.BAD_INDEX, idx,
          idx + ": index is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(idx + ": cannot parse shard index", e);
    }
    if (root == null || !root.isObject()) {
      throw new SafetensorsFormatException(Problem.BAD_INDEX, idx,
          idx + ": index must be a JSON object with \"weight_map\" (and optional \"metadata\")");
    }
    return root;
  }

  private static OptionalLong readTotalSize(JsonNode root, String idx) {
    JsonNode meta = root.get("metadata");
    if (meta == null || meta.isNull()) {
      return OptionalLong.empty();
    }
    if (!meta.isObject()) {
      throw new SafetensorsFormatException(Problem.BAD_INDEX, idx,
          idx + ": \"metadata\" must be an object, found " + meta.getNodeType());
    }
    JsonNode total = meta.get("total_size");
    if (total == null || total.isNull()) {
      return OptionalLong.empty();
    }
    boolean integral = total.isIntegralNumber()
        || (total.isNumber() && total.asDouble() == Math.rint(total.asDouble()));
    if (!integral || !total.canConvertToLong() || total.asLong() < 0) {
      throw new SafetensorsFormatException(Problem.BAD_INDEX, idx,
          idx + ": metadata.total_size must be a non-negative integer byte count, found "
              + total);
    }
    return OptionalLong.of(total.asLong());
  }

  private static void checkShardName(String idx, Path dir, String tensor, String shard) {
    String why = null;
    if (shard.isEmpty()) {
      why = "it is empty";
    } else if (shard.length() > 255) {
      why = "it is longer than 255 characters";
    } else if (shard.equals(".") || shard.equals("..")) {
      why = "it names a directory";
    } else {
      for (int i = 0; i < shard.length() && why == null; i++) {
        char c = shard.charAt(i);
        if (c == '/' || c == '\\' || c == ':' || c < 0x20) {
          why = "it contains the character " + (c < 0x20 ? "U+" + Integer.toHexString(c)
              : "'" + c + "'");
        }
      }
    }
    if (why == null) {
      try {
        Path p = Path.of(shard);
        Path resolved = dir.resolve(p).normalize();
        if (p.isAbsolute() || p.getNameCount() != 1 || !dir.equals(resolved.getParent())) {
          why = "it does not resolve to a file directly inside " + dir;
        }
      } catch (InvalidPathException e) {
        why = "it is not a valid file name (" + e.getReason() + ")";
      }
    }
    if (why != null) {
      throw new SafetensorsFormatException(Problem.UNSAFE_SHARD_PATH, idx,
          idx + ": weight_map maps tensor '" + tensor + "' to shard '" + shard
              + "', which is rejected because " + why
              + "; shard names must be plain file names in the index's directory");
    }
  }

  @Override
  public Path path() {
    return indexFile;
  }

  /**
   * Returns the shard files, in name order.
   *
   * @return the paths
   */
  public List<Path> shardFiles() {
    ensureOpen();
    List<Path> out = new ArrayList<>();
    for (SafetensorsFile f : shards) {
      out.add(f.path());
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * Returns the shard file that holds a tensor.
   *
   * @param name the tensor name
   * @return the shard's path
   * @throws IllegalArgumentException if there is no such tensor
   */
  public Path shardOf(String name) {
    return owner(name).path();
  }

  /**
   * Returns {@code metadata.total_size} from the index, if it has one.
   *
   * @return the declared total byte size of the tensors
   */
  public OptionalLong totalSize() {
    return totalSize;
  }

  private SafetensorsFile owner(String name) {
    ensureOpen();
    SafetensorsFile f = owners.get(name);
    if (f == null) {
      throw new IllegalArgumentException(
          indexFile + ": no tensor named '" + name + "' in the index; it lists " + tensors.size()
              + " tensors" + SafetensorsFile.sample(tensors.keySet().iterator()));
    }
    return f;
  }

  @Override
  public Map<String, TensorInfo> tensors() {
    ensureOpen();
    return tensors;
  }

  @Override
  public TensorInfo tensor(String name) {
    owner(name);
    return tensors.get(name);
  }

  @Override
  public Map<String, String> metadata() {
    ensureOpen();
    return shards.isEmpty() ? Collections.emptyMap() : shards.get(0).metadata();
  }

  @Override
  public ByteBuffer slice(String name, long byteOffsetInTensor, int length) {
    return owner(name).slice(name, byteOffsetInTensor, length);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(indexFile + ": sharded checkpoint is closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    UncheckedIOException first = null;
    for (SafetensorsFile f : shards) {
      try {
        f.close();
      } catch (UncheckedIOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public String toString() {
    return "ShardedSafetensors[" + indexFile + ", " + shards.size() + " shards, "
        + tensors.size() + " tensors]";
  }
}
