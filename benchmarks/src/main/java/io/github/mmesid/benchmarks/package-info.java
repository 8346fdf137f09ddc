/** JMH benchmarks of the SDK; results are recorded in {@code benchmarks/RESULTS.md}. */
package io.github.mmesid.benchmarks;
