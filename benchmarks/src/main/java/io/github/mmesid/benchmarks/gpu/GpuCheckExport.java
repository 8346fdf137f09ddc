package io.github.mmesid.benchmarks.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.core.engine.check.KernelAudit;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.io.AtomicFiles;
import io.github.mmesid.llm.llama.LlamaDeviceChecks;
import io.github.mmesid.llm.mmesid.MmeSidDeviceChecks;
import io.github.mmesid.llm.sasrec.SasRecDeviceChecks;
import io.github.mmesid.quant.RqVaeDeviceChecks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every graph the SDK runs (its {@link DeviceCheckCase}s: SASRec, MM-RQ-VAE, Llama,
 * MME-SID, the optimizers), at small sizes, for {@code benchmarks/gpu/run_cuda_check.py}: per case
 * the self-contained model ({@code model.onnx}, frozen weights inlined), its inputs and the
 * outputs ONNX Runtime's CPU provider computes from them ({@code .npy}), and a {@code
 * manifest.json} naming the files with each case's kernel-audit outcome. Runs on any machine;
 * see {@code benchmarks/gpu/README.md}.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar
 * io.github.mmesid.benchmarks.gpu.GpuCheckExport OUTPUT_DIR} (a new or empty directory).
 */
public final class GpuCheckExport {
  private static final Logger LOG = LoggerFactory.getLogger(GpuCheckExport.class);
  /** Format of {@code manifest.json}. */
  static final int FORMAT = 1;

  private GpuCheckExport() {}

  /**
   * Exports the cases.
   *
   * @param args the output directory
   */
  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: GpuCheckExport OUTPUT_DIR (a new or empty directory)");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    try {
      export(out);
    } catch (IllegalArgumentException | UncheckedIOException e) {
      System.err.println("GpuCheckExport: " + e.getMessage());
      System.exit(1);
    }
  }

  /**
   * Every case the GPU check runs.
   *
   * @param workDir a directory for the small MME-SID checkpoint
   * @return the cases
   */
  static List<DeviceCheckCase> cases(Path workDir) {
    List<DeviceCheckCase> all = new ArrayList<>();
    all.addAll(DeviceCheckCase.optimizerCases());
    all.addAll(SasRecDeviceChecks.cases());
    all.addAll(RqVaeDeviceChecks.cases());
    all.addAll(LlamaDeviceChecks.cases());
    all.addAll(MmeSidDeviceChecks.cases(workDir));
    return all;
  }

  /**
   * Writes the cases, their CPU outputs and the manifest into a directory.
   *
   * @param out a new or empty directory
   * @throws IllegalArgumentException if {@code out} exists and is not an empty directory
   */
  static void export(Path out) {
    try {
      if (Files.exists(out)) {
        try (Stream<Path> s = Files.list(out)) {
          if (!Files.isDirectory(out) || s.findAny().isPresent()) {
            throw new IllegalArgumentException(out + " exists and is not an empty directory; "
                + "give a new or empty one");
          }
        }
      }
      Files.createDirectories(out);
      Path work = Files.createTempDirectory("gpu-check-work");
      List<DeviceCheckCase> cases;
      try {
        cases = cases(work);
      } finally {
        try (Stream<Path> s = Files.walk(work)) {
          for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode manifest = json.createObjectNode();
      manifest.put("format", FORMAT);
      manifest.put("exported_with", "mmesid " + GpuCheckExport.class.getPackage()
          .getImplementationVersion() + ", ONNX Runtime (Java, CPU) for the expected outputs");
      ArrayNode list = manifest.putArray("cases");
      RuntimeOptions cpu = RuntimeOptions.builder().intraOpThreads(1).build();
      for (DeviceCheckCase c : cases) {
        Path dir = out.resolve(c.name());
        Files.createDirectories(dir);
        AtomicFiles.writeBytes(dir.resolve("model.onnx"), c.selfContained().toByteArray());
        KernelAudit.Report audit = c.audit(List.of()).report();
        ObjectNode e = list.addObject();
        e.put("name", c.name());
        e.put("graph", audit.graph());
        e.put("model", c.name() + "/model.onnx");
        e.put("nodes", audit.nodes().size());
        e.put("nodes_without_cuda_kernel", audit.failures().size());
        ObjectNode ins = e.putObject("inputs");
        int k = 0;
        for (Map.Entry<String, TensorData> in : c.inputs().entrySet()) {
          String file = c.name() + "/in_" + k++ + ".npy";
          Npy.write(out.resolve(file), npy(in.getValue(), c.name() + " input " + in.getKey()));
          ins.put(in.getKey(), file);
        }
        ObjectNode outs = e.putObject("expected");
        k = 0;
        for (Map.Entry<String, TensorData> o : c.run(cpu).entrySet()) {
          String file = c.name() + "/out_" + k++ + ".npy";
          Npy.write(out.resolve(file), npy(o.getValue(), c.name() + " output " + o.getKey()));
          outs.put(o.getKey(), file);
        }
        LOG.info("exported {}: {} nodes, {} inputs, {} outputs", c.name(), audit.nodes().size(),
            c.inputs().size(), outs.size());
      }
      AtomicFiles.writeString(out.resolve("manifest.json"), json.writeValueAsString(manifest));
      LOG.info("wrote {} cases to {}", cases.size(), out);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the GPU check export to " + out + ": "
          + e.getMessage(), e);
    }
  }

  private static NpyArray npy(TensorData d, String what) {
    int[] shape = new int[d.shape().length];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = Math.toIntExact(d.shape()[i]);
    }
    switch (d.dtype()) {
      case FLOAT32:
        return NpyArray.ofFloats(d.toFloats(), shape);
      case FLOAT64:
        return NpyArray.ofDoubles(d.toDoubles(), shape);
      case INT32: {
        int[] v = new int[Math.toIntExact(d.numel())];
        d.bytes().asIntBuffer().get(v);
        return NpyArray.ofInts(v, shape);
      }
      case INT64: {
        long[] v = new long[Math.toIntExact(d.numel())];
        d.bytes().asLongBuffer().get(v);
        return NpyArray.ofLongs(v, shape);
      }
      default:
        throw new IllegalArgumentException(what + " is " + d.dtype()
            + "; the export writes FLOAT32, FLOAT64, INT32 and INT64 only");
    }
  }
}
