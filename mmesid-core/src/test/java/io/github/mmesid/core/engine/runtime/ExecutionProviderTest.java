package io.github.mmesid.core.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutionProviderTest {

  private static RuntimeOptions cuda(ExecutionProvider.Policy policy) {
    return RuntimeOptions.builder().intraOpThreads(1).threadSpinning(false).provider(ExecutionProvider.cuda(0, policy)).build();
  }

  private static boolean cudaBuild() {
    return OrtRuntime.get().availableProviders().contains(OrtProvider.CUDA);
  }

  @Test
  void requireFailsWhenCudaIsNotCompiledIn() {
    assumeFalse(cudaBuild(), "this ORT build has CUDA; the not-compiled-in path cannot be observed");
    ProviderUnavailableException e = assertThrows(ProviderUnavailableException.class,
        () -> CompiledGraph.builder(RawGraphBuilder.add(2)).options(cuda(ExecutionProvider.Policy.REQUIRE)).build());
    String m = e.getMessage();
    assertTrue(m.contains("not compiled into this ONNX Runtime build"), m);
    assertTrue(m.contains("com.microsoft.onnxruntime:onnxruntime_gpu:1.29.0"), m);
    assertTrue(m.contains("CUDA 12") && m.contains("cuDNN 9"), m);
    assertTrue(m.contains("CPU"), "lists the providers that are available: " + m);
    assertNull(e.getCause());
  }

  @Test
  void preferFallsBackToCpuAndWarnsOnce() {
    assumeFalse(cudaBuild(), "this ORT build has CUDA; the fallback path cannot be observed");
    for (int i = 0; i < 2; i++) {
      try (CompiledGraph g = CompiledGraph.builder(RawGraphBuilder.add(2)).options(cuda(ExecutionProvider.Policy.PREFER)).build();
          RunOutputs out = g.run(Map.of("x", new float[] {1, 2}, "y", new float[] {3, 4}))) {
        assertEquals(ExecutionProvider.cpu(), g.provider());
        assertArrayEquals(new float[] {4, 6}, out.get("z").toFloatArray());
      }
    }
    assertEquals(1, SessionFactory.fallbackWarnings(), "one WARN per JVM");
  }

  @Test
  void providerSetupFailureIsDiagnosed() {
    assumeFalse(cudaBuild(), "needs a build where adding CUDA fails");
    // Pretend ORT advertised CUDA: addCUDA then fails for real inside ORT (no provider library).
    EnumSet<OrtProvider> claimed = EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA);
    byte[] model = RawGraphBuilder.add(2).toByteArray();
    ProviderUnavailableException e = assertThrows(ProviderUnavailableException.class,
        () -> SessionFactory.create("add", model, cuda(ExecutionProvider.Policy.REQUIRE), Map.of(), Map.of(), claimed));
    String m = e.getMessage();
    assertTrue(m.contains("could not be initialised") && m.contains("ONNX Runtime said"), m);
    assertTrue(m.contains("onnxruntime_gpu:1.29.0") && m.contains("CUDA 12") && m.contains("cuDNN 9"), m);
    assertTrue(e.getCause() instanceof OrtException);

    SessionFactory.Created created = SessionFactory.create("add", model, cuda(ExecutionProvider.Policy.PREFER), Map.of(), Map.of(), claimed);
    try {
      assertEquals(ExecutionProvider.cpu(), created.provider);
    } finally {
      try {
        created.session.close();
      } catch (OrtException ex) {
        throw new AssertionError(ex);
      }
    }
  }

  @Test
  void missingLibrariesAreFoundByScanningDirectories(@TempDir Path dir) throws IOException {
    Path lib = Files.createDirectories(dir.resolve("cuda/lib64"));
    for (String name : List.of("libcudart.so.12", "libcublas.so.12", "libcufft.so.11", "libcurand.so.10")) {
      Files.createFile(lib.resolve(name));
    }
    Path cache = dir.resolve("ld.so.cache");
    Files.write(cache, "\0\0glibc-ld.so.cache1.1\0libcudnn.so.9\0/usr/lib/libcudnn.so.9\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    List<Path> dirs = CudaDiagnostics.searchDirectories(Map.of("LD_LIBRARY_PATH", lib + ":" + dir.resolve("nothing-here")), "Linux");
    assertEquals(lib, dirs.get(0), "LD_LIBRARY_PATH comes first");
    assertTrue(dirs.contains(Path.of("/usr/local/cuda/lib64")) && dirs.contains(Path.of("/usr/lib/x86_64-linux-gnu")), dirs.toString());

    List<String> missing = CudaDiagnostics.missingLibraries(CudaDiagnostics.LINUX_LIBRARIES, List.of(lib), cache);
    assertEquals(List.of("libcublasLt.so.12"), missing, "libcudnn.so.9 is in the loader cache");
    assertEquals(List.of("libcublasLt.so.12", "libcudnn.so.9"), CudaDiagnostics.missingLibraries(CudaDiagnostics.LINUX_LIBRARIES, List.of(lib), null));

    String ortMessage = "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory";
    assertEquals(List.of("libonnxruntime_providers_cuda.so", "libcublasLt.so.12"), CudaDiagnostics.librariesNamedIn(ortMessage));
    String msg = CudaDiagnostics.providerFailure(0, ortMessage, missing, List.of(lib), true);
    assertTrue(msg.contains("Native libraries not found: [libcublasLt.so.12]"), msg);
    assertTrue(msg.contains(lib.toString()) && msg.contains("/etc/ld.so.cache"), msg);
    assertTrue(msg.contains(ExecutionProvider.CUDA_ARTIFACT) && msg.contains("LD_LIBRARY_PATH"), msg);

    String allFound = CudaDiagnostics.providerFailure(1, "CUDA failure 100: no CUDA-capable device is detected", List.of(), List.of(lib), false);
    assertTrue(allFound.contains("were found") && allFound.contains("device 1"), allFound);
  }

  @Test
  void windowsNamesAndPathVariable() {
    List<java.nio.file.Path> dirs = CudaDiagnostics.searchDirectories(Map.of("PATH", "C:\\cuda\\bin;C:\\cudnn\\bin"), "Windows 11");
    assertEquals(2, dirs.size());
    assertTrue(CudaDiagnostics.requiredLibraries("Windows 11").contains("cudnn64_9.dll"));
    assertEquals(List.of("cublasLt64_12.dll"), CudaDiagnostics.librariesNamedIn("LoadLibrary failed with error 126 \"\" when trying to load \"cublasLt64_12.dll\""));
  }

  @Test
  void providerValidation() {
    assertEquals("CPU", ExecutionProvider.cpu().toString());
    assertTrue(ExecutionProvider.cpu().isCpu());
    IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> ExecutionProvider.cuda(-1, ExecutionProvider.Policy.PREFER));
    assertTrue(neg.getMessage().contains(">= 0"), neg.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ExecutionProvider(ExecutionProvider.Kind.CPU, 2, ExecutionProvider.Policy.REQUIRE));
    assertThrows(IllegalArgumentException.class, () -> ExecutionProvider.cuda(0, null));
  }
}
