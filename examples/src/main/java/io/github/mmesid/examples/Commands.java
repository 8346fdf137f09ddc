package io.github.mmesid.examples;

import java.util.List;

/** The registry of CLI subcommands, in the order {@code --help} lists them. */
public final class Commands {

  private Commands() {}

  /**
   * Returns all subcommands.
   *
   * @return the commands
   */
  public static List<Command> all() {
    return List.of(
        new QuickstartCommand(),
        new EvaluateCommand(),
        new TrainSasRecCommand(),
        new QuantizeCommand(),
        new TrainMmeSidCommand(),
        new RecommendCommand(),
        new LlamaHiddenCommand(),
        new EmbedTextCommand());
  }
}
