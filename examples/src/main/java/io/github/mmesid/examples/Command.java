package io.github.mmesid.examples;

import java.io.PrintStream;
import java.util.List;

/**
 * One CLI subcommand. To add a command, implement this interface and list an instance in
 * {@link Commands#all()}; the CLI handles dispatch, {@code --help} and error reporting.
 */
public interface Command {

  /**
   * Returns the name typed on the command line, e.g. {@code evaluate}.
   *
   * @return the name
   */
  String name();

  /**
   * Returns a one-line summary for the command list.
   *
   * @return the summary
   */
  String summary();

  /**
   * Returns the options this command accepts ({@code --help} is implicit).
   *
   * @return the options, in help order
   */
  List<Option> options();

  /**
   * Returns the conditions under which options have an effect; the CLI rejects an option given
   * where it would be ignored. Checked after parsing, before {@link #run}.
   *
   * @return the rules (none by default)
   */
  default List<OptionRule> optionRules() {
    return List.of();
  }

  /**
   * Runs the command.
   *
   * @param args the parsed options
   * @param out where results go
   * @return the exit status (0 = success)
   * @throws UsageException for a bad argument (exit status 2)
   * @throws IllegalArgumentException for bad input data (exit status 1)
   * @throws java.io.UncheckedIOException for IO failures (exit status 1)
   * @throws RuntimeException any other failure (exit status 1, one line; the CLI removes the
   *     outputs the command created through {@link Args#outputDir} and {@link Args#outputFile})
   */
  int run(Args args, PrintStream out);
}
