/**
 * The LLM side of MME-SID: Hugging Face Llama checkpoints, LoRA adapters, the prompt tokenizer
 * and the recommenders built on them.
 */
package io.github.mmesid.llm;
