package io.github.mmesid.examples;

import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * A condition under which an option has an effect. The CLI rejects a command line that gives the
 * option where it would be silently ignored (e.g. {@code --negatives} with {@code --loss ce}),
 * saying why, instead of running without it. A {@link Command} lists its rules in {@link
 * Command#optionRules()}.
 *
 * @param option the option the rule is about (without dashes)
 * @param applies true when the option has an effect, given all parsed options
 * @param why completes "--option has no effect ...", e.g. {@code "with --loss ce; it applies
 *     only with --loss bce"}
 */
public record OptionRule(String option, Predicate<Args> applies, String why) {

  /**
   * The option has an effect only when another option's value (given or default) is one of some
   * values.
   *
   * @param option the option
   * @param other the option it depends on
   * @param values the values of {@code other} under which {@code option} has an effect
   * @return the rule
   */
  public static OptionRule onlyWith(String option, String other, String... values) {
    List<String> allowed = Arrays.asList(values);
    return new OptionRule(option, a -> allowed.contains(a.get(other)),
        "unless --" + other + " is " + String.join(" or ", allowed));
  }

  /**
   * The option has an effect only when another option is given.
   *
   * @param option the option
   * @param other the option it needs
   * @return the rule
   */
  public static OptionRule onlyWithOption(String option, String other) {
    return new OptionRule(option, a -> a.has(other), "without --" + other);
  }

  /**
   * The option has no effect when another option (usually a switch) is given.
   *
   * @param option the option
   * @param other the option that overrides it
   * @return the rule
   */
  public static OptionRule notWith(String option, String other) {
    return new OptionRule(option, a -> !a.has(other), "together with --" + other);
  }

  /**
   * Checks the rule against parsed options.
   *
   * @param args the parsed options
   * @throws UsageException if the option is given where it has no effect
   */
  public void check(Args args) {
    if (args.has(option) && !applies.test(args)) {
      throw new UsageException("--" + option + " has no effect " + why + "; remove it or change the other options");
    }
  }
}
