package io.github.mmesid.core.data;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.SequenceDataset;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A generated data set: users' sequences, the item catalog with its modalities, and each item's
 * latent topic (the ground truth the generator used).
 *
 * @param dataset the users' sequences
 * @param catalog the items' modality embeddings
 * @param itemTopics {@code [N + 1]}: each item's topic, index 0 = -1 (padding)
 */
public record SyntheticData(SequenceDataset dataset, ItemCatalog catalog, int[] itemTopics) {

  /** The file name {@link #writeTo(Path)} uses for the sequences. */
  public static final String SEQUENCES_FILE = "sequences.txt";

  /**
   * Copies the topics array.
   *
   * @param dataset the users' sequences
   * @param catalog the items' modality embeddings
   * @param itemTopics each item's topic, index 0 = -1
   * @throws IllegalArgumentException if the sizes disagree
   */
  public SyntheticData {
    if (dataset.numItems() != catalog.numItems() || itemTopics.length != dataset.numItems() + 1) {
      throw new IllegalArgumentException(
          "inconsistent sizes: dataset has " + dataset.numItems() + " items, catalog " + catalog.numItems()
              + ", topics " + (itemTopics.length - 1) + "; all must agree");
    }
    itemTopics = itemTopics.clone();
  }

  /**
   * Returns a copy of the item topics.
   *
   * @return {@code [N + 1]}, index 0 = -1
   */
  @Override
  public int[] itemTopics() {
    return itemTopics.clone();
  }

  /**
   * Writes {@code sequences.txt} and one {@code <modality>.npy} (float32, shape (N + 1, d)) per
   * modality into {@code dir}, each atomically.
   *
   * @param dir the directory (created if missing)
   * @throws UncheckedIOException if writing fails
   */
  public void writeTo(Path dir) {
    SequenceFiles.write(dir.resolve(SEQUENCES_FILE), dataset);
    for (String m : catalog.modalities()) {
      Npy.write(dir.resolve(m + ".npy"), NpyArray.ofFloats(catalog.flat(m), catalog.numItems() + 1, catalog.dim(m)));
    }
  }
}
