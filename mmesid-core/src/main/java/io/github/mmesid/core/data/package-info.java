/**
 * Data sets and their file formats: sequences text files, ratings CSV, NumPy .npy arrays, the
 * leave-one-out split, training examples and a synthetic data generator. The value types they
 * produce ({@link io.github.mmesid.core.SequenceDataset}, {@link
 * io.github.mmesid.core.ItemIdMapping}, {@link io.github.mmesid.core.ItemCatalog}) live in {@code
 * io.github.mmesid.core}, which depends on no package here.
 */
package io.github.mmesid.core.data;
