/**
 * Leave-one-out full-ranking evaluation (Recall, NDCG and MRR at K) and simple baseline
 * recommenders.
 */
package io.github.mmesid.core.eval;
