package io.github.mmesid.core;

/**
 * A residual quantizer for one modality: maps an input vector to L discrete codes (one per
 * level), each code an index into that level's codebook.
 *
 * <p>Implementations are immutable after training and safe for concurrent use.
 */
public interface Quantizer {

  /**
   * Returns the number of levels L (codes per vector).
   *
   * @return L, at least 1
   */
  int levels();

  /**
   * Returns the number of vectors K in each level's codebook; codes are 0..K-1.
   *
   * @return K, at least 1
   */
  int codebookSize();

  /**
   * Returns the dimension of the input vectors.
   *
   * @return the input dimension
   */
  int inputDim();

  /**
   * Returns the dimension of the latent space the codebooks live in.
   *
   * @return the latent dimension
   */
  int latentDim();

  /**
   * Encodes one input vector to its L codes.
   *
   * @param v a vector of length {@link #inputDim()}
   * @return L codes, each in 0..K-1
   * @throws IllegalArgumentException if the length is wrong or a value is not finite
   */
  int[] encode(float[] v);

  /**
   * Encodes several input vectors.
   *
   * @param vs vectors, each of length {@link #inputDim()}
   * @return one code tuple per vector, {@code [n][L]}
   * @throws IllegalArgumentException if a length is wrong or a value is not finite
   */
  int[][] encode(float[][] vs);

  /**
   * Returns a copy of the codebooks.
   *
   * @return {@code [level][code][latentDim]}
   */
  float[][][] codebooks();

  /**
   * Returns the quantized latent of a code tuple: the sum over levels of the chosen code
   * vectors.
   *
   * @param codes L codes, each in 0..K-1
   * @return a vector of length {@link #latentDim()}
   * @throws IllegalArgumentException if the tuple has the wrong length or a code is out of range
   */
  float[] quantizedLatent(int[] codes);

  /**
   * Decodes a code tuple back into the input space.
   *
   * @param codes L codes, each in 0..K-1
   * @return a vector of length {@link #inputDim()}
   * @throws IllegalArgumentException if the tuple has the wrong length or a code is out of range
   */
  float[] reconstruct(int[] codes);
}
