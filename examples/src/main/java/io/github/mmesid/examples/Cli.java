package io.github.mmesid.examples;

import io.github.mmesid.core.engine.train.TrainingDivergedException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code mmesid} command-line tool: {@code mmesid COMMAND [--option value ...]}. Run with
 * {@code --help} for the list of commands, or {@code COMMAND --help} for a command's options.
 *
 * <p>A bad argument exits with status 2, bad input data, an IO failure or any other error with
 * status 1, each with one line on standard error and no stack trace; the global switch {@value
 * #VERBOSE} (anywhere on the command line) adds the stack trace. Options given where they would
 * have no effect are rejected ({@link Command#optionRules()}). When a command fails, the outputs
 * it created are removed (see {@link Args#outputDir(String)}).
 */
public final class Cli {

  /** The program name used in help and error messages. */
  public static final String PROGRAM = "mmesid";
  /** The global switch that prints the stack trace of a failure after its one-line message. */
  public static final String VERBOSE = "--verbose";

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
    List<String> argv = new ArrayList<>(args.length);
    boolean verbose = false;
    for (String a : args) {
      if (a.equals(VERBOSE)) {
        verbose = true;
      } else {
        argv.add(a);
      }
    }
    List<Command> commands = Commands.all();
    if (argv.isEmpty() || argv.get(0).equals("--help") || argv.get(0).equals("-h") || argv.get(0).equals("help")) {
      if (argv.size() >= 2 && argv.get(0).equals("help")) {
        Command c = find(commands, argv.get(1));
        if (c == null) {
          err.println(PROGRAM + ": unknown command '" + argv.get(1) + "'; commands: " + names(commands));
          return 2;
        }
        out.print(help(c));
        return 0;
      }
      out.print(overview(commands));
      return argv.isEmpty() ? 2 : 0;
    }
    Command c = find(commands, argv.get(0));
    if (c == null) {
      err.println(PROGRAM + ": unknown command '" + argv.get(0) + "'; commands: " + names(commands)
          + " (see '" + PROGRAM + " --help')");
      return 2;
    }
    List<String> rest = argv.subList(1, argv.size());
    if (rest.contains("--help") || rest.contains("-h")) {
      out.print(help(c));
      return 0;
    }
    String prefix = PROGRAM + " " + c.name() + ": ";
    Args parsed = null;
    int status = 1;
    try {
      parsed = Args.parse(c.name(), c.options(), rest);
      for (OptionRule rule : c.optionRules()) {
        rule.check(parsed);
      }
      status = c.run(parsed, out);
      return status;
    } catch (UsageException e) {
      status = 2;
      return fail(err, prefix + e.getMessage(), e, verbose, status);
    } catch (TrainingDivergedException e) {
      return fail(err, prefix + "error: training diverged: " + describe(e), e, verbose, status);
    } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
      return fail(err, prefix + "error: " + describe(e), e, verbose, status);
    } catch (RuntimeException e) {
      return fail(err, prefix + "internal error: " + e.getClass().getSimpleName() + ": " + describe(e)
          + (verbose ? "" : " (run with " + VERBOSE + " for the stack trace and report it)"), e, verbose, status);
    } catch (OutOfMemoryError e) {
      return fail(err, prefix + "error: out of memory; raise the heap with java -Xmx... or reduce the input", e,
          verbose, status);
    } finally {
      if (status != 0 && parsed != null) {
        parsed.discardOutputs();
      }
    }
  }

  private static int fail(PrintStream err, String line, Throwable e, boolean verbose, int status) {
    err.println(line);
    if (verbose) {
      e.printStackTrace(err);
    }
    return status;
  }

  /**
   * Describes a failure on one line: its message, followed by the reason of an underlying IO
   * error (such as "Not a directory" or "No space left on device") when the message lacks it.
   *
   * @param e the failure
   * @return one line
   */
  static String describe(Throwable e) {
    String msg = oneLine(e.getMessage());
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c instanceof IOException io) {
        String r = reason(io);
        if (!msg.contains(r)) {
          msg = msg + ": " + r;
        }
      }
    }
    return msg;
  }

  /**
   * The operating system's reason for an IO error, e.g. {@code Not a directory}.
   *
   * @param e the error
   * @return the reason, never null
   */
  static String reason(IOException e) {
    if (e instanceof FileSystemException f) {
      if (f.getReason() != null) {
        return oneLine(f.getReason());
      }
      if (e instanceof AccessDeniedException) {
        return "Permission denied";
      }
      if (e instanceof NoSuchFileException) {
        return "No such file or directory";
      }
      if (e instanceof NotDirectoryException) {
        return "Not a directory";
      }
      if (e instanceof FileAlreadyExistsException) {
        return "File exists";
      }
      if (e instanceof DirectoryNotEmptyException) {
        return "Directory not empty";
      }
      return e.getClass().getSimpleName();
    }
    return e.getMessage() != null ? oneLine(e.getMessage()) : e.getClass().getSimpleName();
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
    sb.append("\nRun '").append(PROGRAM).append(" COMMAND --help' for a command's options; add ").append(VERBOSE)
        .append(" to see the stack trace of a failure.\n");
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
    sb.append(String.format(Locale.ROOT, "  %-22s %s%n", VERBOSE, "print the stack trace of a failure"));
    return sb.toString();
  }
}
