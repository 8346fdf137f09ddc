/**
 * The SDK on Apache Spark: batch top-K recommendation ({@link io.github.mmesid.spark.SparkTopK}),
 * distributed leave-one-out evaluation ({@link io.github.mmesid.spark.SparkEvaluator}) and
 * catalog-wide semantic-ID encoding ({@link io.github.mmesid.spark.SparkCatalogEncoder}) for any
 * model directory the SDK writes ({@link io.github.mmesid.spark.Bundles}).
 *
 * <p><b>What travels to executors.</b> Spark serializes task closures; these classes never put an
 * SDK model into one. A closure holds only the model directory's path (a string) and a small
 * options record ({@link io.github.mmesid.spark.ScoringOptions}); each executor JVM loads the
 * model lazily, once per path and options, into {@link io.github.mmesid.spark.BundleCache}, where
 * all of that JVM's tasks share it, and closes it when the JVM shuts down. The directory must
 * therefore be readable at the same path on every executor (shared storage or a copy per node).
 *
 * <p><b>Determinism.</b> Each output row depends only on its input row and the model, so results
 * do not depend on the partitioning, the batch size or task retries (the SDK's models score a
 * history identically whatever batch it is in); aggregated metrics are sums of integer counts.
 *
 * <p>Spark is a {@code provided} dependency: the application (or {@code spark-submit}) supplies
 * Spark 4.x for Scala 2.13.
 */
package io.github.mmesid.spark;
