package io.github.mmesid.examples;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.data.RatingsCsv;
import io.github.mmesid.core.data.SequenceFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * The interaction input every data-reading command shares: {@code --sequences FILE} (internal
 * item ids 1..N, used as they are) or {@code --ratings CSV} (columns found by header name or named
 * with {@code --user-column}, {@code --item-column}, {@code --rating-column}, {@code
 * --time-column}; item ids remapped to 1..N). A command that writes outputs from remapped data
 * writes the mapping {@value ItemIdMapping#FILE_NAME} next to them ({@link #writeMapping}).
 *
 * @param dataset the interactions
 * @param input the file read
 * @param remapped whether item ids were remapped (the input was a ratings CSV)
 */
record Interactions(SequenceDataset dataset, Path input, boolean remapped) {

  /**
   * Returns the input options, to be listed among a command's options.
   *
   * @return the options
   */
  static List<Option> options() {
    return List.of(
        Option.optional("sequences", "FILE", "sequences file, one line per user: 'user item item ...' (ids 1..N)", null),
        Option.optional("ratings", "CSV", "ratings CSV instead of --sequences: columns user,item,[rating,]timestamp "
            + "found by header name (userId, movieId, ...); item ids are remapped and written to "
            + ItemIdMapping.FILE_NAME, null),
        Option.optional("user-column", "NAME", "header name of the user column of --ratings", null),
        Option.optional("item-column", "NAME", "header name of the item column of --ratings", null),
        Option.optional("rating-column", "NAME", "header name of the rating column of --ratings", null),
        Option.optional("time-column", "NAME", "header name of the timestamp column of --ratings", null));
  }

  /**
   * Returns the rules of the input options (the column names apply only to {@code --ratings}).
   *
   * @return the rules
   */
  static List<OptionRule> rules() {
    return List.of(
        OptionRule.onlyWithOption("user-column", "ratings"),
        OptionRule.onlyWithOption("item-column", "ratings"),
        OptionRule.onlyWithOption("rating-column", "ratings"),
        OptionRule.onlyWithOption("time-column", "ratings"));
  }

  /**
   * Checks that exactly one input is given and that it exists (call before any work).
   *
   * @param args the parsed options
   * @return the input file
   * @throws UsageException if none or both are given, or the file does not exist
   */
  static Path inputFile(Args args) {
    boolean seq = args.get("sequences") != null;
    if (seq == (args.get("ratings") != null)) {
      throw new UsageException("give exactly one of --sequences FILE or --ratings CSV");
    }
    return args.existingFile(seq ? "sequences" : "ratings");
  }

  /**
   * Reads the input.
   *
   * @param args the parsed options
   * @return the interactions
   * @throws UsageException if none or both inputs are given, or the file does not exist
   * @throws IllegalArgumentException naming the file and line for malformed content
   */
  static Interactions read(Args args) {
    Path file = inputFile(args);
    if (args.get("sequences") != null) {
      return new Interactions(SequenceFiles.read(file), file, false);
    }
    RatingsCsv.Columns cols;
    try {
      cols = new RatingsCsv.Columns(args.get("user-column"), args.get("item-column"), args.get("rating-column"),
          args.get("time-column"));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    return new Interactions(RatingsCsv.read(file, cols, Double.NEGATIVE_INFINITY), file, true);
  }

  /**
   * Writes the item id mapping ({@value ItemIdMapping#FILE_NAME}: internal_id,external_id) into
   * an output directory if the ids were remapped.
   *
   * @param dir the command's output directory
   * @return the file written, or null if the ids were not remapped
   */
  Path writeMapping(OutputDir dir) {
    if (!remapped) {
      return null;
    }
    Path f = dir.file(ItemIdMapping.FILE_NAME);
    dataset.mapping().writeCsv(f);
    return f;
  }
}
