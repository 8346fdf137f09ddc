/** The most-popular baseline recommender. */
package io.github.mmesid.llm.popularity;
