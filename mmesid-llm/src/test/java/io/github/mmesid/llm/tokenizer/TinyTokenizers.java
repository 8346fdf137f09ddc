package io.github.mmesid.llm.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes tiny Hugging Face tokenizer files (WordLevel model) for tests without shared data. */
final class TinyTokenizers {

  /** The word vocabulary, id = index; covers the default MME-SID prompt after whitespace splitting. */
  static final List<String> WORDS = List.of("[UNK]", "hello", "world", "system", "user", "assistant", "You", "are",
      "a", "helpful", "AI", "for", "recommendations", "Given", "the", "'", "s", "purchase", "history", ",",
      "predict", "next", "possible", "item", "to", "be", "purchased", ".");

  static final int BOS = 28;
  static final int EOS = 29;
  static final int START_HEADER = 30;
  static final int END_HEADER = 31;
  static final int EOT = 32;
  static final int NOT_SPECIAL = 33;
  static final int VOCAB_SIZE = 34;

  private TinyTokenizers() {}

  static String tokenizerJson(boolean prependBos) {
    StringBuilder vocab = new StringBuilder();
    for (int i = 0; i < WORDS.size(); i++) {
      vocab.append(i == 0 ? "" : ", ").append('"').append(WORDS.get(i)).append("\": ").append(i);
    }
    String post = prependBos
        ? """
          {"type": "TemplateProcessing",
           "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
           "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                    {"Sequence": {"id": "B", "type_id": 1}}],
           "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [28], "tokens": ["<|begin_of_text|>"]}}}
          """
        : "null";
    return """
        {
          "version": "1.0",
          "truncation": null,
          "padding": null,
          "added_tokens": [
            %s,
            %s,
            %s,
            %s,
            %s,
            {"id": 33, "content": "<extra>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": false}
          ],
          "normalizer": null,
          "pre_tokenizer": {"type": "Whitespace"},
          "post_processor": %s,
          "decoder": null,
          "model": {"type": "WordLevel", "vocab": {%s}, "unk_token": "[UNK]"}
        }
        """.formatted(special(BOS, "<|begin_of_text|>"), special(EOS, "<|end_of_text|>"),
        special(START_HEADER, "<|start_header_id|>"), special(END_HEADER, "<|end_header_id|>"),
        special(EOT, "<|eot_id|>"), post, vocab);
  }

  private static String special(int id, String content) {
    return "{\"id\": " + id + ", \"content\": \"" + content + "\", \"single_word\": false, \"lstrip\": false, "
        + "\"rstrip\": false, \"normalized\": false, \"special\": true}";
  }

  static String configJson() {
    return """
        {
          "bos_token": {"content": "<|begin_of_text|>", "lstrip": false, "normalized": false, "rstrip": false},
          "eos_token": "<|end_of_text|>",
          "pad_token": null,
          "chat_template": [{"name": "tool_use", "template": "T-tools"}, {"name": "default", "template": "T-default"}],
          "tokenizer_class": "PreTrainedTokenizerFast"
        }
        """;
  }

  /** Writes tokenizer.json and tokenizer_config.json into dir and returns dir. */
  static Path writeDir(Path dir, boolean prependBos) {
    write(dir.resolve("tokenizer.json"), tokenizerJson(prependBos));
    write(dir.resolve("tokenizer_config.json"), configJson());
    return dir;
  }

  static Path write(Path file, String text) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
