package io.github.mmesid.core.engine.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.io.AtomicFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The kernel table: the markdown extraction, the TSV round trip, and the shipped ONNX Runtime
 * 1.29 CUDA table.
 *
 * <p>Regenerating the shipped table from ONNX Runtime's {@code docs/OperatorKernels.md} (download
 * it at the release tag first):
 *
 * <pre>
 * mvn -B -pl mmesid-core test -Dtest=KernelTableTest -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dort.kernels.markdown=/abs/path/OperatorKernels.md \
 *   -Dort.kernels.commit=&lt;commit sha&gt; -Dort.kernels.date=&lt;commit date or "unknown"&gt;
 * </pre>
 */
class KernelTableTest {
  /** A hand-written miniature of the generated markdown (two providers, two domains). */
  private static final String MARKDOWN = String.join("\n",
      "## Supported Operators and Data Types",
      "<a name=\"cpuexecutionprovider\"/>",
      "",
      "| Op Name | Parameters | OpSet Version | Types Supported |",
      "|---------|------------|---------------|-----------------|",
      "|**Operator Domain:** *ai.onnx*||||",
      "|Foo|*in* X:**T**<br> *out* Y:**T**|5+|**T** = tensor(int8)|",
      "| |",
      "<a name=\"cudaexecutionprovider\"/>",
      "",
      "## Operators implemented by CUDAExecutionProvider",
      "",
      "| Op Name | Parameters | OpSet Version | Types Supported |",
      "|---------|------------|---------------|-----------------|",
      "|**Operator Domain:** *ai.onnx*||||",
      "|Foo|*in* X:**T**<br> *in* shape:**tensor(int64)**<br> *out* Y:**T**<br><br>or<br><br>"
          + "*in* X:**T**<br> *out* Y:**T**|14+|**T** = tensor(double), tensor(float)<br/> "
          + "**shape** = tensor(int64)|",
      "|||[7, 13]|**T** = tensor(float)|",
      "|||6|**T** = seq(tensor(float)), tensor(float)|",
      "|Bar|*in* inputs:**T**<br> *out* out:**T1**|1+|**T** = tensor(bool)<br/> **T1** = "
          + "tensor(bool)|",
      "| |",
      "|**Operator Domain:** *com.microsoft*||||",
      "|Baz|*in* X:**T**<br> *out* Y:**T**|1+|**T** = tensor(float16)|",
      "| |",
      "<a name=\"dmlexecutionprovider\"/>",
      "|**Operator Domain:** *ai.onnx*||||",
      "|Qux|*in* X:**T**<br> *out* Y:**T**|1+|**T** = tensor(float)|",
      "");

  @Test
  void extractsOneProvidersSectionFromTheMarkdown() {
    KernelTable t = KernelTable.fromOperatorKernelsMarkdown(new StringReader(MARKDOWN),
        "CUDAExecutionProvider", Set.of());
    assertEquals(5, t.size());
    List<KernelTable.Kernel> foo = t.kernels("", "Foo");
    assertEquals(3, foo.size());
    assertEquals("14+", foo.get(0).versions());
    assertEquals(Set.of("double", "float"), foo.get(0).constraints().get("T"));
    assertEquals("7-13", foo.get(1).versions());
    assertEquals("6", foo.get(2).versions());
    assertEquals(Set.of("seq(float)", "float"), foo.get(2).constraints().get("T"));
    // every row of an operator carries the operator's signatures
    assertEquals(2, foo.get(1).signatures().size());
    KernelTable.Signature s = foo.get(0).signatures().get(0);
    assertEquals("X:T,shape:tensor(int64)->Y:T", s.toString());
    assertTrue(s.inputs().get(1).isFixed());
    assertEquals("int64", s.inputs().get(1).fixedElementType());
    assertEquals(List.of(), t.kernels("ai.onnx", "Qux"), "the DML section is not read");
    assertEquals(1, t.kernels("com.microsoft", "Baz").size());
    assertEquals(1, t.kernels("ai.onnx", "Foo", 13).size());
    assertEquals("7-13", t.kernels("ai.onnx", "Foo", 13).get(0).versions());
    assertEquals(List.of(), t.kernels("ai.onnx", "Foo", 5));

    KernelTable onnxOnly = KernelTable.fromOperatorKernelsMarkdown(new StringReader(MARKDOWN),
        "CUDAExecutionProvider", Set.of("ai.onnx"));
    assertEquals(4, onnxOnly.size());
    assertEquals(List.of(), onnxOnly.kernels("com.microsoft", "Baz"));
  }

  @Test
  void tsvRoundTripKeepsEveryRow() {
    KernelTable t = KernelTable.fromOperatorKernelsMarkdown(new StringReader(MARKDOWN),
        "CUDAExecutionProvider", Set.of()).withHeader(List.of("test table", "second line"));
    String tsv = t.write(new StringBuilder()).toString();
    assertTrue(tsv.startsWith("# test table\n# second line\n"), tsv);
    assertTrue(tsv.contains("ai.onnx\tFoo\t14+\tT=double,float;shape=int64\t"
        + "X:T,shape:tensor(int64)->Y:T|X:T->Y:T\n"), tsv);
    KernelTable back = KernelTable.read(new StringReader(tsv), "round trip");
    assertEquals(t.all(), back.all());
    assertEquals(t.header(), back.header());
    assertEquals(tsv, back.write(new StringBuilder()).toString());
  }

  @Test
  void malformedInputIsRefusedWithTheLine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KernelTable.read(new StringReader("# h\nai.onnx\tAdd\t14+\tT=float\n"), "x.tsv"));
    assertTrue(e.getMessage().startsWith("x.tsv line 2 has 4 tab-separated fields"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KernelTable.read(
        new StringReader("ai.onnx\tAdd\tfourteen\tT=float\tA:T->C:T\n"), "x.tsv"));
    assertTrue(e.getMessage().contains("line 1: bad opset range 'fourteen'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KernelTable.fromOperatorKernelsMarkdown(
        new StringReader(MARKDOWN), "NoSuchExecutionProvider", Set.of()));
    assertTrue(e.getMessage().contains("<a name=\"nosuchexecutionprovider\"/>"), e.getMessage());
  }

  @Test
  void shippedCudaTableHasItsSourceAndTheKernelsTheSdkRelies() {
    KernelTable t = KernelTable.onnxRuntimeCuda();
    assertTrue(t.header().stream().anyMatch(h -> h.contains("microsoft/onnxruntime")),
        t.header().toString());
    assertTrue(t.header().stream().anyMatch(h -> h.startsWith("commit: ")), t.header().toString());
    assertTrue(t.size() > 250, "rows: " + t.size());
    // a few rows checked by hand against the source
    KernelTable.Kernel add = t.kernels("", "Add", 21).get(0);
    assertEquals("14+", add.versions());
    assertTrue(add.constraints().get("T").containsAll(Set.of("float", "double", "int64")));
    KernelTable.Kernel where = t.kernels("", "Where", 21).get(0);
    assertFalse(where.constraints().get("T").contains("bool"), "CUDA Where has no bool kernel");
    KernelTable.Kernel reshape = t.kernels("", "Reshape", 21).get(0);
    assertEquals("21-22", reshape.versions());
    assertEquals(List.of(), t.kernels("", "Mean"), "CUDA registers no Mean kernel");
    assertEquals(List.of(), t.kernels("com.microsoft", "FusedMatMul"),
        "only the default domain is shipped");
  }

  /** Rewrites the shipped table from a downloaded {@code OperatorKernels.md} (see class doc). */
  @Test
  @EnabledIfSystemProperty(named = "ort.kernels.markdown", matches = ".+")
  void regenerateShippedTable() throws IOException {
    Path md = Path.of(System.getProperty("ort.kernels.markdown"));
    String commit = System.getProperty("ort.kernels.commit", "unknown");
    String date = System.getProperty("ort.kernels.date", "unknown");
    KernelTable t;
    try (Reader r = Files.newBufferedReader(md, StandardCharsets.UTF_8)) {
      t = KernelTable.fromOperatorKernelsMarkdown(r, "CUDAExecutionProvider",
          Set.of(KernelTable.DEFAULT_DOMAIN));
    }
    t = t.withHeader(List.of(
        "ONNX Runtime CUDAExecutionProvider kernels, default domain (ai.onnx) only",
        "source: docs/OperatorKernels.md, repository https://github.com/microsoft/onnxruntime",
        "commit: " + commit,
        "date: " + date,
        "generated by KernelTableTest.regenerateShippedTable (mmesid-core tests) from that file;"
            + " see KernelTable for the format",
        "columns: domain, op, versions (N+ | A-B | N), constraints (VAR=types;...), "
            + "signatures (in:VAR,...->out:VAR | ...)"));
    Path target = Path.of("src/main/resources" + KernelTable.CUDA_RESOURCE);
    assertTrue(Files.isDirectory(target.getParent()), "run from the mmesid-core module directory");
    AtomicFiles.writeString(target, t.write(new StringBuilder()).toString());
  }
}
