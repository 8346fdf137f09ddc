package io.github.mmesid.llm.tokenizer;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates the two Hugging Face tokenizer files before anything native sees them:
 * sizes are bounded before reading, the JSON must parse, and the fields this SDK relies on (the
 * model vocabulary, added tokens, special-token names) must have the expected types and ranges.
 */
final class TokenizerFiles {

  /** Largest token id (exclusive) accepted from a file; real vocabularies are far below it. */
  static final int MAX_VOCAB_SIZE = 1 << 24;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TokenizerFiles() {}

  /** What the SDK takes from {@code tokenizer.json}. */
  record TokenizerJson(byte[] bytes, int vocabSize, Map<String, Integer> addedTokens, Set<Integer> specialIds) {}

  /** What the SDK takes from {@code tokenizer_config.json}; absent entries are null. */
  record TokenizerConfig(String bosToken, String eosToken, String padToken, String unkToken, String chatTemplate) {
    static final TokenizerConfig NONE = new TokenizerConfig(null, null, null, null, null);
  }

  static byte[] readBounded(Path file, long maxBytes, String what) {
    try {
      long size = Files.size(file);
      if (size == 0) {
        throw new IllegalArgumentException(file + ": " + what + " is empty; expected a JSON object");
      }
      if (size > maxBytes) {
        throw new IllegalArgumentException(file + ": " + what + " is " + size
            + " bytes, larger than the " + maxBytes + " bytes accepted");
      }
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length > maxBytes) {
        throw new IllegalArgumentException(file + ": " + what + " grew to " + bytes.length
            + " bytes while being read, larger than the " + maxBytes + " bytes accepted");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(file + ": " + what + " not found", e);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read " + what + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode parseObject(byte[] bytes, Path file, String what) {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw invalidJson(file, what, e);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot parse " + what, e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(file + ": " + what + " must hold a JSON object at the top level, found "
          + (root == null ? "nothing" : root.getNodeType()));
    }
    return root;
  }

  static TokenizerJson readTokenizerJson(Path file, long maxBytes) {
    byte[] bytes = readBounded(file, maxBytes, "tokenizer.json");
    // Stream the file: only model.vocab and added_tokens are materialised (the merges list of a
    // large BPE tokenizer is skipped), but every byte is still tokenised, so syntax errors surface.
    long maxId = -1;
    boolean hasVocab = false;
    JsonNode addedTokens = null;
    boolean hasModel = false;
    try (JsonParser p = MAPPER.createParser(bytes)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException(file + ": tokenizer.json must hold a JSON object at the top level, found "
            + describe(first));
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("model".equals(field) && value == JsonToken.START_OBJECT) {
          hasModel = true;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String modelField = p.currentName();
            p.nextToken();
            if ("vocab".equals(modelField)) {
              hasVocab = true;
              maxId = maxVocabId(p, file);
            } else {
              p.skipChildren();
            }
          }
        } else if ("added_tokens".equals(field)) {
          addedTokens = p.readValueAsTree();
        } else {
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new IllegalArgumentException(file + ": tokenizer.json has trailing content after the top-level object "
            + "at line " + p.currentLocation().getLineNr() + "; exactly one JSON object is allowed");
      }
    } catch (JsonProcessingException e) {
      throw invalidJson(file, "tokenizer.json", e);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot parse tokenizer.json", e);
    }
    if (!hasModel) {
      throw new IllegalArgumentException(file + ": not a Hugging Face tokenizer.json: the top-level \"model\" "
          + "object is missing (expected {\"model\": {\"type\": \"BPE\"|\"WordLevel\"|\"WordPiece\"|\"Unigram\", "
          + "\"vocab\": ...}, \"added_tokens\": [...], ...})");
    }
    if (!hasVocab) {
      throw new IllegalArgumentException(file + ": model.vocab is missing; expected an object {token: id} (BPE, "
          + "WordLevel, WordPiece) or an array of [piece, score] pairs (Unigram)");
    }
    Map<String, Integer> added = new LinkedHashMap<>();
    Set<Integer> special = new LinkedHashSet<>();
    if (addedTokens != null && !addedTokens.isNull()) {
      if (!addedTokens.isArray()) {
        throw new IllegalArgumentException(file + ": added_tokens must be an array of {\"id\", \"content\", "
            + "\"special\"} objects, found " + addedTokens.getNodeType());
      }
      for (int i = 0; i < addedTokens.size(); i++) {
        JsonNode t = addedTokens.get(i);
        String at = "added_tokens[" + i + "]";
        if (!t.isObject() || t.get("content") == null || !t.get("content").isTextual()) {
          throw new IllegalArgumentException(file + ": " + at + " must be an object with a string \"content\" "
              + "and an integer \"id\", found " + abbreviate(t));
        }
        int id = tokenId(t.get("id"), file, at + ".id");
        maxId = Math.max(maxId, id);
        added.putIfAbsent(t.get("content").asText(), id);
        JsonNode sp = t.get("special");
        if (sp != null && sp.asBoolean(false)) {
          special.add(id);
        }
      }
    }
    if (maxId < 0) {
      throw new IllegalArgumentException(file + ": the tokenizer has no tokens (empty model.vocab and no "
          + "added_tokens); at least one token is required");
    }
    return new TokenizerJson(bytes, (int) maxId + 1, Collections.unmodifiableMap(added),
        Collections.unmodifiableSet(special));
  }

  /** Streams model.vocab (the parser is at its first token) and returns its largest id. */
  private static long maxVocabId(JsonParser p, Path file) throws IOException {
    long maxId = -1;
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String token = p.currentName();
        JsonToken v = p.nextToken();
        if (v != JsonToken.VALUE_NUMBER_INT) {
          p.skipChildren();
          throw new IllegalArgumentException(file + ": model.vocab[\"" + token + "\"] must be an integer token id, "
              + "found " + describe(v) + " at line " + p.currentLocation().getLineNr());
        }
        long id = p.getLongValue();
        if (id < 0 || id >= MAX_VOCAB_SIZE) {
          throw new IllegalArgumentException(file + ": model.vocab[\"" + token + "\"] = " + id + " is out of range; "
              + "token ids must be in [0, " + MAX_VOCAB_SIZE + ")");
        }
        maxId = Math.max(maxId, id);
      }
      return maxId;
    }
    if (t == JsonToken.START_ARRAY) {
      long i = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        boolean ok = p.currentToken() == JsonToken.START_ARRAY
            && p.nextToken() == JsonToken.VALUE_STRING
            && p.nextToken().isNumeric()
            && p.nextToken() == JsonToken.END_ARRAY;
        if (!ok) {
          throw new IllegalArgumentException(file + ": model.vocab[" + i + "] must be a [piece, score] pair "
              + "(Unigram vocabulary), at line " + p.currentLocation().getLineNr());
        }
        if (++i > MAX_VOCAB_SIZE) {
          throw new IllegalArgumentException(file + ": model.vocab has more than " + MAX_VOCAB_SIZE + " entries");
        }
      }
      return i - 1;
    }
    throw new IllegalArgumentException(file + ": model.vocab must be an object {token: id} (BPE, WordLevel, "
        + "WordPiece) or an array of [piece, score] pairs (Unigram), found "
        + describe(t));
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    switch (t) {
      case START_OBJECT: return "an object";
      case START_ARRAY: return "an array";
      case VALUE_STRING: return "a string";
      case VALUE_NUMBER_INT: return "an integer";
      case VALUE_NUMBER_FLOAT: return "a decimal number";
      case VALUE_TRUE: case VALUE_FALSE: return "a boolean";
      case VALUE_NULL: return "null";
      default: return t.name();
    }
  }

  private static int tokenId(JsonNode node, Path file, String at) {
    if (node == null || !node.canConvertToLong() || !node.isIntegralNumber()) {
      throw new IllegalArgumentException(file + ": " + at + " must be an integer token id, found "
          + (node == null ? "nothing" : abbreviate(node)));
    }
    long id = node.asLong();
    if (id < 0 || id >= MAX_VOCAB_SIZE) {
      throw new IllegalArgumentException(file + ": " + at + " = " + id + " is out of range; token ids must be in [0, "
          + MAX_VOCAB_SIZE + ")");
    }
    return (int) id;
  }

  private static IllegalArgumentException invalidJson(Path file, String what, JsonProcessingException e) {
    JsonLocation loc = e.getLocation();
    String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    return new IllegalArgumentException(file + ": " + what + " is not valid JSON" + where + ": "
        + e.getOriginalMessage(), e);
  }

  static TokenizerConfig readTokenizerConfig(Path file, long maxBytes) {
    byte[] bytes = readBounded(file, maxBytes, "tokenizer_config.json");
    JsonNode root = parseObject(bytes, file, "tokenizer_config.json");
    return new TokenizerConfig(
        tokenName(root, "bos_token", file),
        tokenName(root, "eos_token", file),
        tokenName(root, "pad_token", file),
        tokenName(root, "unk_token", file),
        chatTemplate(root, file));
  }

  /** A special-token entry is either a string or an AddedToken object with "content". */
  private static String tokenName(JsonNode root, String key, Path file) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isObject() && n.get("content") != null && n.get("content").isTextual()) {
      return n.get("content").asText();
    }
    throw new IllegalArgumentException(file + ": " + key + " must be a string, an object with a string \"content\","
        + " or null, found " + abbreviate(n));
  }

  /** chat_template is a string, or (newer files) a list of {"name", "template"}: "default" wins. */
  private static String chatTemplate(JsonNode root, Path file) {
    JsonNode n = root.get("chat_template");
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isArray()) {
      String first = null;
      for (int i = 0; i < n.size(); i++) {
        JsonNode e = n.get(i);
        if (!e.isObject() || e.get("template") == null || !e.get("template").isTextual()) {
          throw new IllegalArgumentException(file + ": chat_template[" + i + "] must be an object with a string "
              + "\"template\", found " + abbreviate(e));
        }
        String template = e.get("template").asText();
        if (first == null) {
          first = template;
        }
        JsonNode name = e.get("name");
        if (name != null && "default".equals(name.asText())) {
          return template;
        }
      }
      return first;
    }
    throw new IllegalArgumentException(file + ": chat_template must be a string or a list of {\"name\", "
        + "\"template\"} objects, found " + n.getNodeType());
  }

  private static String abbreviate(JsonNode n) {
    String s = n.toString();
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
