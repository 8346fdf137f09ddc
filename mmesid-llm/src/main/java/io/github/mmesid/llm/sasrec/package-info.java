/**
 * SASRec (self-attentive sequential recommendation) on the training engine: the model recipe,
 * its trainer with validation-based early stopping, and the ID-based recommender whose item
 * embedding table is MME-SID's collaborative modality.
 */
package io.github.mmesid.llm.sasrec;
