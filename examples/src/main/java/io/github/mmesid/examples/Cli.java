package io.github.mmesid.examples;

/** Command-line entry point (placeholder until the foundation CLI lands). */
public final class Cli {
  private Cli() {}

  /**
   * Runs the CLI.
   *
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    System.out.println("mmesid");
  }
}
