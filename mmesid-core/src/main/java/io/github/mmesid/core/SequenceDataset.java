package io.github.mmesid.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Users' chronological item sequences over items 1..N, each user with a unique key, plus the
 * mapping from internal item ids to the data source's original ids. Immutable and thread-safe;
 * accessors that return arrays return copies.
 */
public final class SequenceDataset {

  /**
   * The largest item count N a dataset with internal ids may have (50 million). Item ids are
   * array indices everywhere (scores, embedding tables), so N is what memory is sized by.
   */
  public static final int MAX_ITEMS = 50_000_000;
  /**
   * Slack of the density rule: N may exceed 4 times the number of distinct items that occur by
   * at most this much (items that never occur still get a row in every item table).
   */
  public static final int SPARSE_ID_SLACK = 1_000_000;

  private final String[] users;
  private final Map<String, Integer> userIndex;
  private final int[] offsets; // user u's items are items[offsets[u] .. offsets[u + 1])
  private final int[] items;
  private final int numItems;
  private final ItemIdMapping mapping;

  private SequenceDataset(String[] users, Map<String, Integer> userIndex, int[] offsets, int[] items,
      ItemIdMapping mapping) {
    this.users = users;
    this.userIndex = userIndex;
    this.offsets = offsets;
    this.items = items;
    this.numItems = mapping.size();
    this.mapping = mapping;
  }

  /**
   * Starts an empty builder.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Creates a dataset over items 1..{@code numItems} with the identity id mapping.
   *
   * @param users user keys, unique, non-empty, without whitespace
   * @param sequences one non-empty sequence per user (copied), items in 1..numItems
   * @param numItems N
   * @return the dataset
   * @throws IllegalArgumentException naming the user if anything is invalid
   */
  public static SequenceDataset of(List<String> users, List<int[]> sequences, int numItems) {
    return of(users, sequences, ItemIdMapping.identity(numItems));
  }

  /**
   * Creates a dataset whose item ids are those of {@code mapping} (N = mapping.size()).
   *
   * @param users user keys, unique, non-empty, without whitespace
   * @param sequences one non-empty sequence per user (copied), items in 1..N
   * @param mapping the original-id mapping
   * @return the dataset
   * @throws IllegalArgumentException naming the user if anything is invalid
   */
  public static SequenceDataset of(List<String> users, List<int[]> sequences, ItemIdMapping mapping) {
    if (users.size() != sequences.size()) {
      throw new IllegalArgumentException(
          users.size() + " users but " + sequences.size() + " sequences; need one sequence per user");
    }
    Builder b = builder();
    for (int u = 0; u < users.size(); u++) {
      b.add(users.get(u), sequences.get(u));
    }
    return b.build(mapping);
  }

  /**
   * Returns the number of users.
   *
   * @return the user count
   */
  public int numUsers() {
    return users.length;
  }

  /**
   * Returns N; items are 1..N.
   *
   * @return the number of items
   */
  public int numItems() {
    return numItems;
  }

  /**
   * Returns the total number of interactions (sum of sequence lengths).
   *
   * @return the interaction count
   */
  public long numInteractions() {
    return items.length;
  }

  /**
   * Returns a user's key.
   *
   * @param user the user index, 0..numUsers()-1
   * @return the key
   * @throws IllegalArgumentException if the index is out of range
   */
  public String userKey(int user) {
    checkUser(user);
    return users[user];
  }

  /**
   * Returns the index of a user key.
   *
   * @param key the user key
   * @return the index, 0..numUsers()-1
   * @throws IllegalArgumentException if the key is unknown
   */
  public int userIndex(String key) {
    Integer u = userIndex.get(key);
    if (u == null) {
      throw new IllegalArgumentException("unknown user '" + key + "'; the dataset has " + users.length + " users");
    }
    return u;
  }

  /**
   * Returns a copy of a user's sequence, oldest first.
   *
   * @param user the user index
   * @return the items
   * @throws IllegalArgumentException if the index is out of range
   */
  public int[] sequence(int user) {
    checkUser(user);
    return Arrays.copyOfRange(items, offsets[user], offsets[user + 1]);
  }

  /**
   * Returns a copy of part of a user's sequence.
   *
   * @param user the user index
   * @param from first position (inclusive)
   * @param to last position (exclusive), at most {@link #length(int)}
   * @return the items at positions from..to-1
   * @throws IllegalArgumentException if the index or range is invalid
   */
  public int[] sequence(int user, int from, int to) {
    checkUser(user);
    int len = offsets[user + 1] - offsets[user];
    if (from < 0 || to > len || from > to) {
      throw new IllegalArgumentException(
          "range [" + from + ", " + to + ") is invalid for user " + user + " of length " + len
              + "; need 0 <= from <= to <= " + len);
    }
    return Arrays.copyOfRange(items, offsets[user] + from, offsets[user] + to);
  }

  /**
   * Returns the length of a user's sequence.
   *
   * @param user the user index
   * @return the length, at least 1
   * @throws IllegalArgumentException if the index is out of range
   */
  public int length(int user) {
    checkUser(user);
    return offsets[user + 1] - offsets[user];
  }

  /**
   * Returns one item of a user's sequence.
   *
   * @param user the user index
   * @param position 0..length(user)-1
   * @return the item id
   * @throws IllegalArgumentException if the index or position is out of range
   */
  public int item(int user, int position) {
    int len = length(user);
    if (position < 0 || position >= len) {
      throw new IllegalArgumentException(
          "position " + position + " is out of range for user " + user + "; allowed 0.." + (len - 1));
    }
    return items[offsets[user] + position];
  }

  /**
   * Returns the item id mapping.
   *
   * @return the mapping (identity when the source ids were already 1..N)
   */
  public ItemIdMapping mapping() {
    return mapping;
  }

  /**
   * The same interactions over a larger item universe 1..{@code numItems}: items above the
   * current N have no interactions yet (for example items that item tables describe but no user
   * has met). Only for datasets whose ids are their own (identity mapping).
   *
   * @param numItems the new N, at least the current one
   * @return this dataset when N is unchanged, else a new one sharing nothing mutable
   * @throws IllegalArgumentException if {@code numItems} is smaller than N, exceeds {@link
   *     #MAX_ITEMS}, or the ids were remapped
   */
  public SequenceDataset withNumItems(int numItems) {
    if (numItems == this.numItems) {
      return this;
    }
    if (numItems < this.numItems || numItems > MAX_ITEMS) {
      throw new IllegalArgumentException("numItems = " + numItems + "; allowed " + this.numItems
          + ".." + MAX_ITEMS + " (the current N up to the supported maximum)");
    }
    if (!mapping.originalIds().equals(ItemIdMapping.identity(this.numItems).originalIds())) {
      throw new IllegalArgumentException("this dataset's item ids were remapped from external "
          + "ids; its item universe is the mapping's " + this.numItems + " items");
    }
    return new SequenceDataset(users, userIndex, offsets, items, ItemIdMapping.identity(numItems));
  }

  /**
   * Returns the user keys in index order.
   *
   * @return an unmodifiable list
   */
  public List<String> userKeys() {
    return Collections.unmodifiableList(Arrays.asList(users.clone()));
  }

  private void checkUser(int user) {
    if (user < 0 || user >= users.length) {
      throw new IllegalArgumentException(
          "user index " + user + " is out of range; allowed 0.." + (users.length - 1));
    }
  }

  /** Returns a short summary: users, items, interactions. */
  @Override
  public String toString() {
    return "SequenceDataset[users=" + users.length + ", items=" + numItems + ", interactions=" + items.length + "]";
  }

  /** Collects users and sequences. Not thread-safe. */
  public static final class Builder {
    private final List<String> users = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();
    private final List<int[]> sequences = new ArrayList<>();
    private int maxItem;

    private Builder() {}

    /**
     * Adds a user (copied).
     *
     * @param user a unique key, non-empty, without whitespace
     * @param sequence the user's items, oldest first, non-empty, each at least 1
     * @return this builder
     * @throws IllegalArgumentException naming the user if the key or sequence is invalid
     */
    public Builder add(String user, int[] sequence) {
      if (user == null || user.isEmpty() || user.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException(
            "user key " + (user == null ? "null" : "'" + user + "'") + " is invalid; keys must be non-empty without whitespace");
      }
      Integer prev = index.putIfAbsent(user, users.size());
      if (prev != null) {
        throw new IllegalArgumentException(
            "duplicate user '" + user + "' (users #" + (prev + 1) + " and #" + (users.size() + 1)
                + "); each user may appear once");
      }
      if (sequence == null || sequence.length == 0) {
        index.remove(user);
        throw new IllegalArgumentException("user '" + user + "' has no items; each user needs at least one item");
      }
      for (int t = 0; t < sequence.length; t++) {
        if (sequence[t] < 1) {
          index.remove(user);
          throw new IllegalArgumentException(
              "user '" + user + "', position " + t + ": item " + sequence[t] + " is not allowed; item ids are >= 1 (0 is padding)");
        }
        maxItem = Math.max(maxItem, sequence[t]);
      }
      users.add(user);
      sequences.add(sequence.clone());
      return this;
    }

    /**
     * Builds a dataset over items 1..N with N the largest item id added.
     *
     * @return the dataset
     * @throws IllegalArgumentException if no user was added
     */
    public SequenceDataset build() {
      return build(Math.max(maxItem, 1));
    }

    /**
     * Builds a dataset over items 1..{@code numItems} with the identity id mapping.
     *
     * <p>The ids are checked to be dense before anything of size N is allocated: N must be at
     * most {@link #MAX_ITEMS} and at most {@code 4 * D + }{@link #SPARSE_ID_SLACK} with D the
     * number of distinct items added; otherwise the ids are external ids that need remapping to
     * 1..N (e.g. by reading the interactions as a ratings CSV, which remaps them).
     *
     * @param numItems N, at least the largest item id added
     * @return the dataset
     * @throws IllegalArgumentException if no user was added, an item exceeds N or the ids are too
     *     sparse or too large
     */
    public SequenceDataset build(int numItems) {
      if (numItems < 1) {
        throw new IllegalArgumentException("numItems = " + numItems + "; need N >= 1");
      }
      if (users.isEmpty()) {
        throw new IllegalArgumentException("a SequenceDataset needs at least one user; none was added");
      }
      checkIdSpace(numItems);
      return build(ItemIdMapping.identity(numItems));
    }

    private void checkIdSpace(int numItems) {
      if (numItems <= SPARSE_ID_SLACK) {
        return;
      }
      long total = 0;
      for (int[] s : sequences) {
        total += s.length;
      }
      int[] all = new int[(int) Math.min(total, Integer.MAX_VALUE - 16)];
      int at = 0;
      for (int[] s : sequences) {
        int n = Math.min(s.length, all.length - at);
        System.arraycopy(s, 0, all, at, n);
        at += n;
      }
      Arrays.sort(all);
      long distinct = 0;
      for (int i = 0; i < all.length; i++) {
        if (i == 0 || all[i] != all[i - 1]) {
          distinct++;
        }
      }
      long allowed = Math.min(MAX_ITEMS, 4 * distinct + SPARSE_ID_SLACK);
      if (numItems > allowed) {
        String what = numItems == maxItem ? "item ids go up to " + maxItem : "N = " + numItems + " items are declared";
        throw new IllegalArgumentException(what + " but only " + distinct + " distinct items occur"
            + "; internal item ids must be dense 1..N (here N <= " + allowed + ": at most 4 x distinct + "
            + SPARSE_ID_SLACK + " and at most " + MAX_ITEMS + "), since every item table has N + 1 rows."
            + " Remap the ids to 1..N, e.g. give the interactions as a ratings CSV (user,item,rating,timestamp;"
            + " CLI --ratings), which remaps them and writes the id mapping");
      }
    }

    /**
     * Builds a dataset whose items are those of {@code mapping}.
     *
     * @param mapping the original-id mapping; N = mapping.size()
     * @return the dataset
     * @throws IllegalArgumentException if no user was added or an item exceeds N
     */
    public SequenceDataset build(ItemIdMapping mapping) {
      if (users.isEmpty()) {
        throw new IllegalArgumentException("a SequenceDataset needs at least one user; none was added");
      }
      int n = mapping.size();
      if (maxItem > n) {
        for (int u = 0; u < users.size(); u++) {
          for (int item : sequences.get(u)) {
            if (item > n) {
              throw new IllegalArgumentException(
                  "user '" + users.get(u) + "' has item " + item + "; allowed 1.." + n);
            }
          }
        }
      }
      int[] offsets = new int[users.size() + 1];
      long total = 0;
      for (int u = 0; u < users.size(); u++) {
        total += sequences.get(u).length;
        if (total > Integer.MAX_VALUE - 16) {
          throw new IllegalArgumentException("more than " + (Integer.MAX_VALUE - 16) + " interactions are not supported");
        }
        offsets[u + 1] = (int) total;
      }
      int[] all = new int[(int) total];
      for (int u = 0; u < users.size(); u++) {
        int[] s = sequences.get(u);
        System.arraycopy(s, 0, all, offsets[u], s.length);
      }
      return new SequenceDataset(users.toArray(new String[0]), new HashMap<>(index), offsets, all, mapping);
    }
  }
}
