package io.github.mmesid.examples;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The {@code mmesid} command-line tool: {@code mmesid COMMAND [--option value ...]}. Run with
 * {@code --help} for the list of commands, or {@code COMMAND --help} for a command's options. A
 * bad argument exits with status 2, bad input data or an IO failure with status 1, each with one
 * line on standard error.
 */
public final class Cli {

  /** The program name used in help and error messages. */
  public static final String PROGRAM = "mmesid";

  private Cli() {}

  /**
   * Runs the CLI and exits with its status.
   *
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    System.out.flush();
    System.exit(status);
  }

  /**
   * Runs the CLI without exiting.
   *
   * @param args command-line arguments
   * @param out standard output
   * @param err standard error
   * @return the exit status: 0 success, 1 failure, 2 usage error
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    List<Command> commands = Commands.all();
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      if (args.length >= 2 && args[0].equals("help")) {
        Command c = find(commands, args[1]);
        if (c == null) {
          err.println(PROGRAM + ": unknown command '" + args[1] + "'; commands: " + names(commands));
          return 2;
        }
        out.print(help(c));
        return 0;
      }
      out.print(overview(commands));
      return args.length == 0 ? 2 : 0;
    }
    Command c = find(commands, args[0]);
    if (c == null) {
      err.println(PROGRAM + ": unknown command '" + args[0] + "'; commands: " + names(commands)
          + " (see '" + PROGRAM + " --help')");
      return 2;
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    if (rest.contains("--help") || rest.contains("-h")) {
      out.print(help(c));
      return 0;
    }
    String prefix = PROGRAM + " " + c.name() + ": ";
    try {
      return c.run(Args.parse(c.name(), c.options(), rest), out);
    } catch (UsageException e) {
      err.println(prefix + e.getMessage());
      return 2;
    } catch (IllegalArgumentException | UncheckedIOException e) {
      err.println(prefix + "error: " + oneLine(e.getMessage()));
      return 1;
    } catch (OutOfMemoryError e) {
      err.println(prefix + "error: out of memory; raise the heap with java -Xmx...");
      return 1;
    }
  }

  private static String oneLine(String s) {
    return s == null ? "(no message)" : s.replace('\n', ' ').replace('\r', ' ');
  }

  private static Command find(List<Command> commands, String name) {
    for (Command c : commands) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    return null;
  }

  private static String names(List<Command> commands) {
    StringBuilder sb = new StringBuilder();
    for (Command c : commands) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(c.name());
    }
    return sb.toString();
  }

  /**
   * Returns the top-level help text.
   *
   * @param commands the commands to list
   * @return the text
   */
  static String overview(List<Command> commands) {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: ").append(PROGRAM).append(" COMMAND [--option value ...]\n\n");
    sb.append("MME-SID for the JVM: multimodal semantic-ID sequential recommendation.\n\nCommands:\n");
    for (Command c : commands) {
      sb.append(String.format(Locale.ROOT, "  %-14s %s%n", c.name(), c.summary()));
    }
    sb.append("\nRun '").append(PROGRAM).append(" COMMAND --help' for a command's options.\n");
    return sb.toString();
  }

  /**
   * Returns a command's help text.
   *
   * @param c the command
   * @return the text
   */
  static String help(Command c) {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: ").append(PROGRAM).append(' ').append(c.name());
    for (Option o : c.options()) {
      String s = "--" + o.name() + (o.takesValue() ? " " + o.valueName() : "");
      sb.append(' ').append(o.required() ? s : "[" + s + "]");
    }
    sb.append("\n\n").append(c.summary()).append("\n\nOptions:\n");
    for (Option o : c.options()) {
      String s = "--" + o.name() + (o.takesValue() ? " " + o.valueName() : "");
      sb.append(String.format(Locale.ROOT, "  %-22s %s%s%s%n", s, o.description(),
          o.required() ? " (required)" : "",
          o.defaultValue() != null ? " (default: " + o.defaultValue() + ")" : ""));
    }
    sb.append(String.format(Locale.ROOT, "  %-22s %s%n", "--help", "show this help"));
    return sb.toString();
  }
}
