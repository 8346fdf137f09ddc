/**
 * Hugging Face {@code tokenizer.json} loading (through DJL's bundled native tokenizers library,
 * strictly offline) and the MME-SID Llama-3 chat prompt as token ids around the item slots, with
 * a left-padded batch layout for {@code inputs_embeds}.
 */
package io.github.mmesid.llm.tokenizer;
