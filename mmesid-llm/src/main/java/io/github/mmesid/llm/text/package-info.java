/**
 * Sentence embeddings of item text (titles, descriptions) for MME-SID's text modality: {@link
 * io.github.mmesid.llm.text.SentenceEncoder} runs any sentence-transformers model exported to ONNX
 * ({@code model.onnx} + {@code tokenizer.json}) through the SDK's ONNX Runtime layer with the DJL
 * tokenizer, with batching, truncation, attention-mask mean pooling and optional L2
 * normalisation; {@link io.github.mmesid.llm.text.ItemTextEmbeddings} turns per-item texts into an
 * item table (row = internal item id, row 0 = padding) for {@code ItemCatalog}.
 */
package io.github.mmesid.llm.text;
