package io.github.mmesid.core.engine.check;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The kernels one ONNX Runtime execution provider registers: for each (domain, operator, opset
 * range) the element types each type variable of the kernel accepts, and the operator's formal
 * inputs and outputs naming those variables.
 *
 * <p>The table is read from a compact tab-separated file ({@link #read(Reader, String)}), which
 * {@link #fromOperatorKernelsMarkdown(Reader, String, Set)} extracts from ONNX Runtime's
 * generated {@code docs/OperatorKernels.md}. {@link #onnxRuntimeCuda()} is the CUDA execution
 * provider's table of ONNX Runtime 1.29, shipped with the SDK (resource {@value #CUDA_RESOURCE};
 * its header names the source file, repository and commit).
 *
 * <p>File format: lines starting with {@code #} are comments (the header); every other line is
 * {@code domain TAB op TAB versions TAB constraints TAB signatures}, where {@code versions} is
 * {@code N+} (opset N and later), {@code A-B} or {@code N}; {@code constraints} is {@code
 * T=float,double;T1=bool} (element types without the {@code tensor()} wrapper, sequences as
 * {@code seq(float)}; {@code -} for none); {@code signatures} is {@code X:T,B:T->Y:T}, with
 * alternatives (the operator's signatures across opsets) separated by {@code |} and fixed types
 * written {@code tensor(int64)}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class KernelTable {
  /** Class-path resource of the ONNX Runtime 1.29 CUDA execution provider table. */
  public static final String CUDA_RESOURCE =
      "/io/github/mmesid/core/engine/check/ort-1.29-cuda-kernels.tsv";

  /** The default ONNX domain's canonical name. */
  public static final String DEFAULT_DOMAIN = "ai.onnx";

  /** Lines longer than this are refused (the longest real row is a few kB). */
  private static final int MAX_LINE = 1 << 16;
  /** Rows beyond this are refused (ONNX Runtime's largest table has ~2000). */
  private static final int MAX_ROWS = 100_000;

  private static volatile KernelTable cuda;

  /**
   * One formal input or output of an operator signature.
   *
   * @param name the formal name as documented (e.g. {@code X}, {@code outputs...})
   * @param type a type variable (e.g. {@code T}) or a fixed type (e.g. {@code tensor(int64)})
   */
  public record Formal(String name, String type) {
    /**
     * Validates the fields.
     *
     * @param name see the record description
     * @param type see the record description
     */
    public Formal {
      if (name == null || name.isEmpty() || type == null || type.isEmpty()) {
        throw new IllegalArgumentException("formal name and type must be non-empty, got '"
            + name + "':'" + type + "'");
      }
    }

    /**
     * Whether {@link #type()} is a fixed element type rather than a type variable.
     *
     * @return true for e.g. {@code tensor(int64)}
     */
    public boolean isFixed() {
      return type.indexOf('(') >= 0;
    }

    /**
     * The fixed element type without its wrapper ({@code tensor(int64)} gives {@code int64}).
     *
     * @return the element type, or the type variable when not fixed
     */
    public String fixedElementType() {
      return isFixed() ? elementType(type) : type;
    }
  }

  /**
   * One signature of an operator: formal inputs and outputs; the last formal of each list may
   * stand for several actual values (variadic operators such as {@code Concat}).
   *
   * @param inputs the formal inputs in order
   * @param outputs the formal outputs in order
   */
  public record Signature(List<Formal> inputs, List<Formal> outputs) {
    /**
     * Copies the lists.
     *
     * @param inputs see the record description
     * @param outputs see the record description
     */
    public Signature {
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
    }

    @Override
    public String toString() {
      return join(inputs) + "->" + join(outputs);
    }

    private static String join(List<Formal> fs) {
      List<String> s = new ArrayList<>();
      for (Formal f : fs) {
        s.add(f.name() + ":" + f.type());
      }
      return String.join(",", s);
    }
  }

  /**
   * One registered kernel (or group of kernels sharing an opset range).
   *
   * @param domain the operator domain ({@value #DEFAULT_DOMAIN} for the default domain)
   * @param opType the operator type
   * @param since the first opset version covered
   * @param until the last opset version covered ({@link Integer#MAX_VALUE} when open-ended)
   * @param constraints element types accepted per type variable (variables not listed are not
   *     constrained by the kernel)
   * @param signatures the operator's documented signatures
   */
  public record Kernel(String domain, String opType, int since, int until,
      Map<String, Set<String>> constraints, List<Signature> signatures) {
    /**
     * Validates and copies.
     *
     * @param domain see the record description
     * @param opType see the record description
     * @param since see the record description
     * @param until see the record description
     * @param constraints see the record description
     * @param signatures see the record description
     */
    public Kernel {
      if (domain == null || domain.isEmpty() || opType == null || opType.isEmpty()) {
        throw new IllegalArgumentException("kernel domain and op must be non-empty");
      }
      if (since < 1 || until < since) {
        throw new IllegalArgumentException("kernel " + opType + " has an empty opset range ["
            + since + ", " + until + "]");
      }
      Map<String, Set<String>> c = new LinkedHashMap<>();
      constraints.forEach((k, v) -> c.put(k, Collections.unmodifiableSet(new LinkedHashSet<>(v))));
      constraints = Collections.unmodifiableMap(c);
      signatures = List.copyOf(signatures);
    }

    /**
     * Whether the kernel covers an opset version.
     *
     * @param opset the version
     * @return true when {@code since <= opset <= until}
     */
    public boolean covers(int opset) {
      return since <= opset && opset <= until;
    }

    /**
     * The opset range as written in the table ({@code 13+}, {@code 7-12} or {@code 13}).
     *
     * @return the range
     */
    public String versions() {
      if (until == Integer.MAX_VALUE) {
        return since + "+";
      }
      return since == until ? Integer.toString(since) : since + "-" + until;
    }
  }

  private final List<String> header;
  private final Map<String, List<Kernel>> byOp;
  private final int size;

  private KernelTable(List<String> header, List<Kernel> kernels) {
    this.header = List.copyOf(header);
    Map<String, List<Kernel>> m = new TreeMap<>();
    for (Kernel k : kernels) {
      m.computeIfAbsent(key(k.domain(), k.opType()), x -> new ArrayList<>()).add(k);
    }
    m.replaceAll((k, v) -> List.copyOf(v));
    this.byOp = Collections.unmodifiableMap(m);
    this.size = kernels.size();
  }

  private static String key(String domain, String op) {
    return canonicalDomain(domain) + "\t" + op;
  }

  /**
   * The canonical name of a domain: the empty string (the default domain in ONNX models) is
   * {@value #DEFAULT_DOMAIN}.
   *
   * @param domain a domain as written in a model
   * @return the canonical name
   */
  public static String canonicalDomain(String domain) {
    return domain == null || domain.isEmpty() ? DEFAULT_DOMAIN : domain;
  }

  /**
   * The CUDA execution provider's kernels of ONNX Runtime 1.29 (default domain), loaded once from
   * the SDK's class path.
   *
   * @return the table
   * @throws IllegalStateException if the resource is missing or malformed
   */
  public static KernelTable onnxRuntimeCuda() {
    KernelTable t = cuda;
    if (t == null) {
      synchronized (KernelTable.class) {
        t = cuda;
        if (t == null) {
          try (InputStream in = KernelTable.class.getResourceAsStream(CUDA_RESOURCE)) {
            if (in == null) {
              throw new IllegalStateException("Class-path resource " + CUDA_RESOURCE
                  + " is missing; it ships in the mmesid-core jar");
            }
            t = read(new InputStreamReader(in, StandardCharsets.UTF_8), CUDA_RESOURCE);
          } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + CUDA_RESOURCE + ": " + e.getMessage(),
                e);
          }
          cuda = t;
        }
      }
    }
    return t;
  }

  /**
   * The header comment lines (without the leading {@code #} and one space).
   *
   * @return the lines
   */
  public List<String> header() {
    return header;
  }

  /**
   * Number of kernel rows.
   *
   * @return the count
   */
  public int size() {
    return size;
  }

  /**
   * All kernel rows of an operator, newest opset range first as in the source.
   *
   * @param domain the domain ({@code ""} or {@value #DEFAULT_DOMAIN} for the default one)
   * @param opType the operator type
   * @return the rows, empty when the provider has no kernel for the operator
   */
  public List<Kernel> kernels(String domain, String opType) {
    return byOp.getOrDefault(key(domain, opType), List.of());
  }

  /**
   * The kernel rows that cover an opset version.
   *
   * @param domain the domain
   * @param opType the operator type
   * @param opset the model's opset version of the domain
   * @return the covering rows (usually one), empty when none
   */
  public List<Kernel> kernels(String domain, String opType, int opset) {
    List<Kernel> out = new ArrayList<>();
    for (Kernel k : kernels(domain, opType)) {
      if (k.covers(opset)) {
        out.add(k);
      }
    }
    return out;
  }

  /**
   * Every kernel row in (domain, operator) order.
   *
   * @return the rows
   */
  public List<Kernel> all() {
    List<Kernel> out = new ArrayList<>();
    byOp.values().forEach(out::addAll);
    return out;
  }

  // ------------------------------------------------------------------ TSV format

  /**
   * Reads a table in the tab-separated format described in the class documentation.
   *
   * @param reader the text (not closed)
   * @param source a name for error messages (file or resource)
   * @return the table
   * @throws IllegalArgumentException naming the source and line when a line is malformed
   * @throws UncheckedIOException if reading fails
   */
  public static KernelTable read(Reader reader, String source) {
    List<String> header = new ArrayList<>();
    List<Kernel> kernels = new ArrayList<>();
    BufferedReader br = new BufferedReader(reader);
    int lineNo = 0;
    try {
      for (String line = br.readLine(); line != null; line = br.readLine()) {
        lineNo++;
        if (line.length() > MAX_LINE) {
          throw new IllegalArgumentException(source + " line " + lineNo + " is longer than "
              + MAX_LINE + " characters");
        }
        if (line.startsWith("#")) {
          header.add(line.startsWith("# ") ? line.substring(2) : line.substring(1));
          continue;
        }
        if (line.isBlank()) {
          continue;
        }
        if (kernels.size() >= MAX_ROWS) {
          throw new IllegalArgumentException(source + " has more than " + MAX_ROWS + " rows");
        }
        String[] f = line.split("\t", -1);
        if (f.length != 5) {
          throw new IllegalArgumentException(source + " line " + lineNo + " has " + f.length
              + " tab-separated fields; allowed: 5 (domain, op, versions, constraints, "
              + "signatures)");
        }
        try {
          int[] range = parseVersions(f[2]);
          kernels.add(new Kernel(f[0], f[1], range[0], range[1], parseConstraints(f[3]),
              parseSignatures(f[4])));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(source + " line " + lineNo + ": " + e.getMessage(),
              e);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + source + " at line " + lineNo + ": "
          + e.getMessage(), e);
    }
    return new KernelTable(header, kernels);
  }

  /**
   * Writes the table in the tab-separated format, header first ({@code # } before each line).
   *
   * @param out where to append
   * @return {@code out}
   */
  public StringBuilder write(StringBuilder out) {
    for (String h : header) {
      out.append("# ").append(h).append('\n');
    }
    for (Kernel k : all()) {
      out.append(k.domain()).append('\t').append(k.opType()).append('\t').append(k.versions())
          .append('\t').append(formatConstraints(k.constraints())).append('\t');
      List<String> sigs = new ArrayList<>();
      for (Signature s : k.signatures()) {
        sigs.add(s.toString());
      }
      out.append(String.join("|", sigs)).append('\n');
    }
    return out;
  }

  /**
   * A copy with another header.
   *
   * @param lines the header lines (without {@code #})
   * @return the table
   */
  public KernelTable withHeader(List<String> lines) {
    for (String l : lines) {
      if (l.indexOf('\n') >= 0 || l.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("header line has a line break: " + l);
      }
    }
    return new KernelTable(lines, all());
  }

  private static int[] parseVersions(String v) {
    try {
      if (v.endsWith("+")) {
        return new int[] {Integer.parseInt(v.substring(0, v.length() - 1)), Integer.MAX_VALUE};
      }
      int dash = v.indexOf('-');
      if (dash > 0) {
        return new int[] {Integer.parseInt(v.substring(0, dash)),
            Integer.parseInt(v.substring(dash + 1))};
      }
      int n = Integer.parseInt(v);
      return new int[] {n, n};
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad opset range '" + v + "'; allowed: N+, A-B or N", e);
    }
  }

  private static Map<String, Set<String>> parseConstraints(String s) {
    Map<String, Set<String>> m = new LinkedHashMap<>();
    if (s.equals("-")) {
      return m;
    }
    for (String part : s.split(";")) {
      int eq = part.indexOf('=');
      if (eq <= 0 || eq == part.length() - 1) {
        throw new IllegalArgumentException("bad type constraint '" + part
            + "'; allowed: VAR=type,type");
      }
      m.put(part.substring(0, eq), new LinkedHashSet<>(List.of(part.substring(eq + 1)
          .split(","))));
    }
    return m;
  }

  private static String formatConstraints(Map<String, Set<String>> c) {
    if (c.isEmpty()) {
      return "-";
    }
    List<String> parts = new ArrayList<>();
    c.forEach((k, v) -> parts.add(k + "=" + String.join(",", v)));
    return String.join(";", parts);
  }

  private static List<Signature> parseSignatures(String s) {
    List<Signature> out = new ArrayList<>();
    if (s.isEmpty()) {
      return out;
    }
    for (String alt : s.split("\\|")) {
      int arrow = alt.indexOf("->");
      if (arrow < 0) {
        throw new IllegalArgumentException("bad signature '" + alt + "'; allowed: in:T,...->out:T");
      }
      out.add(new Signature(parseFormals(alt.substring(0, arrow)),
          parseFormals(alt.substring(arrow + 2))));
    }
    return out;
  }

  private static List<Formal> parseFormals(String s) {
    List<Formal> out = new ArrayList<>();
    if (s.isEmpty()) {
      return out;
    }
    for (String f : s.split(",")) {
      int colon = f.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("bad formal '" + f + "'; allowed: name:TYPE");
      }
      out.add(new Formal(f.substring(0, colon), f.substring(colon + 1)));
    }
    return out;
  }

  // ------------------------------------------------------------------ OperatorKernels.md

  /**
   * Extracts one execution provider's table from ONNX Runtime's generated {@code
   * docs/OperatorKernels.md} (the section under {@code <a name="<provider, lower case>"/>}).
   *
   * @param markdown the markdown text (not closed)
   * @param provider the provider, e.g. {@code CUDAExecutionProvider}
   * @param domains the domains to keep (e.g. {@value #DEFAULT_DOMAIN}); empty keeps all
   * @return the table, without a header
   * @throws IllegalArgumentException if the provider's section is missing or a row is malformed
   *     (with the line number)
   * @throws UncheckedIOException if reading fails
   */
  public static KernelTable fromOperatorKernelsMarkdown(Reader markdown, String provider,
      Set<String> domains) {
    String anchor = "<a name=\"" + provider.toLowerCase(Locale.ROOT) + "\"/>";
    List<Kernel> kernels = new ArrayList<>();
    BufferedReader br = new BufferedReader(markdown);
    boolean in = false;
    boolean found = false;
    String domain = null;
    String op = null;
    List<Signature> sigs = List.of();
    int lineNo = 0;
    try {
      for (String line = br.readLine(); line != null; line = br.readLine()) {
        lineNo++;
        String t = line.trim();
        if (t.startsWith("<a name=")) {
          in = t.equals(anchor);
          found |= in;
          continue;
        }
        if (!in || !t.startsWith("|") || t.startsWith("|-") || t.startsWith("| Op Name")
            || t.replace("|", "").isBlank()) {
          continue;
        }
        if (t.startsWith("|**Operator Domain:**")) {
          int a = t.indexOf('*', "|**Operator Domain:**".length());
          int b = a < 0 ? -1 : t.indexOf('*', a + 1);
          if (a < 0 || b < 0) {
            throw new IllegalArgumentException("line " + lineNo + ": bad domain row " + t);
          }
          domain = t.substring(a + 1, b).trim();
          op = null;
          continue;
        }
        String[] cells = t.split("\\|", -1);
        // "|name|params|versions|types|" splits into "", name, params, versions, types, ""
        if (cells.length != 6 || domain == null) {
          throw new IllegalArgumentException("line " + lineNo + ": expected a 4-cell operator "
              + "row under a domain row, got: " + t);
        }
        if (!cells[1].isEmpty()) {
          op = cells[1].trim();
          sigs = parseMarkdownSignatures(cells[2], lineNo);
        } else if (op == null) {
          throw new IllegalArgumentException("line " + lineNo
              + ": continuation row without an operator: " + t);
        }
        if (!domains.isEmpty() && !domains.contains(domain)) {
          continue;
        }
        int[] range = parseMarkdownVersions(cells[3].trim(), lineNo);
        kernels.add(new Kernel(domain, op, range[0], range[1],
            parseMarkdownTypes(cells[4], lineNo), sigs));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the markdown at line " + lineNo + ": "
          + e.getMessage(), e);
    }
    if (!found) {
      throw new IllegalArgumentException("No section " + anchor + " for provider " + provider
          + " in the markdown; expected ONNX Runtime's docs/OperatorKernels.md");
    }
    return new KernelTable(List.of(), kernels);
  }

  private static int[] parseMarkdownVersions(String v, int lineNo) {
    try {
      if (v.startsWith("[") && v.endsWith("]")) {
        String[] ab = v.substring(1, v.length() - 1).split(",");
        if (ab.length != 2) {
          throw new NumberFormatException(v);
        }
        return new int[] {Integer.parseInt(ab[0].trim()), Integer.parseInt(ab[1].trim())};
      }
      return parseVersions(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("line " + lineNo + ": bad opset version cell '" + v
          + "'; allowed: N+, [A, B] or N", e);
    }
  }

  private static List<Signature> parseMarkdownSignatures(String cell, int lineNo) {
    List<Signature> out = new ArrayList<>();
    for (String alt : cell.split("<br><br>or<br><br>")) {
      List<Formal> ins = new ArrayList<>();
      List<Formal> outs = new ArrayList<>();
      for (String item : alt.split("<br>")) {
        String s = item.trim();
        if (s.isEmpty()) {
          continue;
        }
        List<Formal> target;
        if (s.startsWith("*in* ")) {
          target = ins;
          s = s.substring(5);
        } else if (s.startsWith("*out* ")) {
          target = outs;
          s = s.substring(6);
        } else {
          throw new IllegalArgumentException("line " + lineNo + ": bad parameter '" + s
              + "'; allowed: *in* name:**T** or *out* name:**T**");
        }
        int colon = s.indexOf(':');
        if (colon <= 0) {
          throw new IllegalArgumentException("line " + lineNo + ": bad parameter '" + s + "'");
        }
        String type = s.substring(colon + 1).replace("*", "").trim();
        target.add(new Formal(s.substring(0, colon).trim(), type));
      }
      out.add(new Signature(ins, outs));
    }
    return out;
  }

  private static Map<String, Set<String>> parseMarkdownTypes(String cell, int lineNo) {
    Map<String, Set<String>> m = new LinkedHashMap<>();
    for (String part : cell.split("<br/>")) {
      String s = part.trim();
      if (s.isEmpty()) {
        continue;
      }
      int eq = s.indexOf('=');
      if (!s.startsWith("**") || eq < 0) {
        throw new IllegalArgumentException("line " + lineNo + ": bad type constraint '" + s
            + "'; allowed: **T** = tensor(float), ...");
      }
      String var = s.substring(0, eq).replace("*", "").trim();
      Set<String> types = new LinkedHashSet<>();
      for (String ty : s.substring(eq + 1).split(",\\s*(?![^()]*\\))")) {
        types.add(elementType(ty.trim()));
      }
      m.put(var, types);
    }
    return m;
  }

  /**
   * The compact element type of a documented type: {@code tensor(float)} gives {@code float},
   * {@code seq(tensor(float))} gives {@code seq(float)}.
   *
   * @param documented the type as documented
   * @return the compact form
   */
  public static String elementType(String documented) {
    String s = documented.trim();
    if (s.startsWith("tensor(") && s.endsWith(")")) {
      return s.substring(7, s.length() - 1);
    }
    if (s.startsWith("seq(") && s.endsWith(")")) {
      return "seq(" + elementType(s.substring(4, s.length() - 1)) + ")";
    }
    return s;
  }
}
