/**
 * LoRA adapters for the Llama backbone with PEFT's initialisation, scale, tensor names and
 * {@code adapter_config.json}, merging into base weights, saving and loading.
 */
package io.github.mmesid.llm.lora;
