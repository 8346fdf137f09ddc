/**
 * Runnable Spark applications over the SDK: {@link io.github.mmesid.spark.examples.BatchTopKJob}
 * (nightly top-K lists, optionally with leave-one-out metrics) and {@link
 * io.github.mmesid.spark.examples.SparkTopKThroughput} (users/s of batch top-K, Spark against
 * one JVM). Both take {@code --option value} arguments and run under {@code spark-submit}.
 */
package io.github.mmesid.spark.examples;
