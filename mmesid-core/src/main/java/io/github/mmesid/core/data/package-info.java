/**
 * Data sets and their file formats: sequences text files, ratings CSV, NumPy .npy arrays, item id
 * mappings, the leave-one-out split, training examples and a synthetic data generator.
 */
package io.github.mmesid.core.data;
