package io.github.mmesid.examples;

/** A bad command line: the CLI prints the message as one line and exits with status 2. */
public final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was wrong and what is allowed
   */
  public UsageException(String message) {
    super(message);
  }
}
