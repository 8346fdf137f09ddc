package io.github.mmesid.examples;

/**
 * One command-line option of a {@link Command}.
 *
 * @param name the long name without dashes, e.g. {@code sequences}
 * @param valueName the placeholder of the value in help, e.g. {@code FILE}; null for a switch
 *     that takes no value
 * @param description one line of help
 * @param defaultValue the default shown in help and used when absent; null if none
 * @param required whether the option must be given
 */
public record Option(String name, String valueName, String description, String defaultValue, boolean required) {

  /**
   * Creates an optional option with a value.
   *
   * @param name the long name
   * @param valueName the value placeholder
   * @param description one line of help
   * @param defaultValue the default, or null
   * @return the option
   */
  public static Option optional(String name, String valueName, String description, String defaultValue) {
    return new Option(name, valueName, description, defaultValue, false);
  }

  /**
   * Creates a required option with a value.
   *
   * @param name the long name
   * @param valueName the value placeholder
   * @param description one line of help
   * @return the option
   */
  public static Option required(String name, String valueName, String description) {
    return new Option(name, valueName, description, null, true);
  }

  /**
   * Creates a switch (an option without a value).
   *
   * @param name the long name
   * @param description one line of help
   * @return the option
   */
  public static Option flag(String name, String description) {
    return new Option(name, null, description, null, false);
  }

  /**
   * Creates a required option that may be given several times (its value placeholder gets a
   * trailing {@code ...}); read its values with {@link Args#getAll(String)}.
   *
   * @param name the long name
   * @param valueName the value placeholder
   * @param description one line of help
   * @return the option
   */
  public static Option repeatable(String name, String valueName, String description) {
    return new Option(name, valueName + "...", description, null, true);
  }

  /**
   * Returns whether this option may be repeated.
   *
   * @return true for options made by {@link #repeatable}
   */
  public boolean isRepeatable() {
    return valueName != null && valueName.endsWith("...");
  }

  /**
   * Returns whether this option takes a value.
   *
   * @return false for a switch
   */
  public boolean takesValue() {
    return valueName != null;
  }
}
