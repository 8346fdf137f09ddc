package io.github.mmesid.spark;

/** The kinds of model directory {@link Bundles} opens, each recognised by its marker file. */
public enum BundleKind {
  /** A popularity bundle: {@code popularity.json} + {@code counts.npy} ({@link PopularityBundle}). */
  POPULARITY("popularity.json"),
  /** A SASRec model directory as {@code train-sasrec} writes it: {@code sasrec.safetensors}. */
  SASREC("sasrec.safetensors"),
  /** An MME-SID bundle (docs/BUNDLE.md): {@code mmesid.json}. */
  MMESID("mmesid.json");

  private final String marker;

  BundleKind(String marker) {
    this.marker = marker;
  }

  /**
   * Returns the file whose presence identifies this kind of directory.
   *
   * @return the file name
   */
  public String marker() {
    return marker;
  }
}
