package io.github.mmesid.core.engine.runtime;

import ai.onnxruntime.OrtProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Works out why the CUDA execution provider cannot be used and says so in words: the provider
 * missing from this ONNX Runtime build, or CUDA 12 / cuDNN 9 native libraries missing from the
 * library path (found from ORT's error message and by scanning the usual directories).
 */
final class CudaDiagnostics {

  /** CUDA 12 / cuDNN 9 libraries the CUDA provider of ORT 1.29 links against (Linux). */
  static final List<String> LINUX_LIBRARIES =
      List.of(
          "libcudart.so.12",
          "libcublas.so.12",
          "libcublasLt.so.12",
          "libcufft.so.11",
          "libcurand.so.10",
          "libcudnn.so.9");

  /** The same libraries under their Windows names. */
  static final List<String> WINDOWS_LIBRARIES =
      List.of(
          "cudart64_12.dll",
          "cublas64_12.dll",
          "cublasLt64_12.dll",
          "cufft64_11.dll",
          "curand64_10.dll",
          "cudnn64_9.dll");

  /** Largest /etc/ld.so.cache that is scanned; real caches are well under 1 MiB. */
  static final long MAX_LD_CACHE_BYTES = 64L << 20;

  private static final Pattern LIBRARY_NAME =
      Pattern.compile("(lib[A-Za-z0-9_+\\-]+\\.so(?:\\.[0-9]+)*|[A-Za-z0-9_+\\-]+\\.dll)");

  private CudaDiagnostics() {}

  static boolean isWindows(String osName) {
    return osName.toLowerCase(Locale.ROOT).startsWith("windows");
  }

  static List<String> requiredLibraries(String osName) {
    return isWindows(osName) ? WINDOWS_LIBRARIES : LINUX_LIBRARIES;
  }

  /** The message used when ORT reports no CUDA provider in this build. */
  static String notCompiledIn(Set<OrtProvider> available) {
    return "The CUDA execution provider is not compiled into this ONNX Runtime build (available providers: "
        + available
        + "). Use the artifact "
        + ExecutionProvider.CUDA_ARTIFACT
        + " instead of com.microsoft.onnxruntime:onnxruntime (never both on the class path); it needs CUDA 12"
        + " and cuDNN 9 native libraries (e.g. libcudart.so.12, libcublasLt.so.12, libcudnn.so.9) on the"
        + " library path.";
  }

  /** Library file names mentioned in an ORT error message, in order of appearance. */
  static List<String> librariesNamedIn(String message) {
    Set<String> names = new LinkedHashSet<>();
    if (message != null) {
      Matcher m = LIBRARY_NAME.matcher(message);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return new ArrayList<>(names);
  }

  /** The directories a dynamic loader would usually search, from the environment and OS. */
  static List<Path> searchDirectories(Map<String, String> env, String osName) {
    Set<Path> dirs = new LinkedHashSet<>();
    String sep = isWindows(osName) ? ";" : ":";
    addPathList(dirs, env.get(isWindows(osName) ? "PATH" : "LD_LIBRARY_PATH"), sep);
    for (String var : new String[] {"CUDA_HOME", "CUDA_PATH", "CUDNN_HOME"}) {
      String root = env.get(var);
      if (root != null && !root.isBlank()) {
        addDir(dirs, root + (isWindows(osName) ? "\\bin" : "/lib64"));
        addDir(dirs, root + (isWindows(osName) ? "\\lib" : "/lib"));
      }
    }
    if (!isWindows(osName)) {
      addDir(dirs, "/usr/local/cuda/lib64");
      addCudaVersionDirs(dirs, Paths.get("/usr/local"));
      for (String d :
          new String[] {
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/lib/x86_64-linux-gnu",
            "/lib/aarch64-linux-gnu",
            "/usr/lib64",
            "/lib64",
            "/usr/lib",
            "/lib"
          }) {
        addDir(dirs, d);
      }
    }
    return new ArrayList<>(dirs);
  }

  private static void addPathList(Set<Path> dirs, String list, String sep) {
    if (list == null) {
      return;
    }
    for (String part : list.split(Pattern.quote(sep))) {
      if (!part.isBlank()) {
        addDir(dirs, part.trim());
      }
    }
  }

  private static void addDir(Set<Path> dirs, String dir) {
    try {
      dirs.add(Paths.get(dir));
    } catch (InvalidPathException e) {
      // an unusable entry in a path variable cannot hold a library; skip it
    }
  }

  private static void addCudaVersionDirs(Set<Path> dirs, Path usrLocal) {
    if (!Files.isDirectory(usrLocal)) {
      return;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(usrLocal, "cuda-12*")) {
      for (Path p : ds) {
        dirs.add(p.resolve("lib64"));
      }
    } catch (IOException e) {
      // unreadable /usr/local: nothing to add
    }
  }

  /**
   * Which of {@code required} are found neither in {@code dirs} nor (when given) in the loader
   * cache file.
   */
  static List<String> missingLibraries(List<String> required, List<Path> dirs, Path ldCache) {
    String cache = readLdCache(ldCache);
    List<String> missing = new ArrayList<>();
    for (String lib : required) {
      if (!foundIn(lib, dirs) && (cache == null || !cache.contains(lib))) {
        missing.add(lib);
      }
    }
    return missing;
  }

  private static boolean foundIn(String lib, List<Path> dirs) {
    for (Path d : dirs) {
      if (Files.exists(d.resolve(lib))) {
        return true;
      }
    }
    return false;
  }

  /** The loader cache as ISO-8859-1 text (names are ASCII), or null if absent/unreadable/huge. */
  private static String readLdCache(Path ldCache) {
    if (ldCache == null) {
      return null;
    }
    try {
      if (!Files.isRegularFile(ldCache) || Files.size(ldCache) > MAX_LD_CACHE_BYTES) {
        return null;
      }
      try (InputStream in = Files.newInputStream(ldCache)) {
        byte[] data = in.readNBytes((int) MAX_LD_CACHE_BYTES);
        return new String(data, StandardCharsets.ISO_8859_1);
      }
    } catch (IOException e) {
      return null;
    }
  }

  /** The message used when ORT has the CUDA provider but could not set it up. */
  static String providerFailure(
      int deviceId, String ortMessage, List<String> missing, List<Path> searched, boolean usedLdCache) {
    StringBuilder sb = new StringBuilder();
    sb.append("The CUDA execution provider (device ")
        .append(deviceId)
        .append(") could not be initialised. ONNX Runtime said: ")
        .append(ortMessage == null ? "(no message)" : ortMessage.strip())
        .append('.');
    List<String> named = librariesNamedIn(ortMessage);
    if (!named.isEmpty()) {
      sb.append(" Libraries named in that error: ").append(named).append('.');
    }
    if (!missing.isEmpty()) {
      sb.append(" Native libraries not found: ")
          .append(missing)
          .append(" (searched ")
          .append(searched)
          .append(usedLdCache ? " and /etc/ld.so.cache" : "")
          .append(").");
    } else {
      sb.append(" All expected CUDA 12 / cuDNN 9 libraries were found; check the NVIDIA driver, that device ")
          .append(deviceId)
          .append(" exists (nvidia-smi) and that no other ONNX Runtime jar shadows ")
          .append(ExecutionProvider.CUDA_ARTIFACT)
          .append('.');
    }
    sb.append(" The CUDA provider needs ")
        .append(ExecutionProvider.CUDA_ARTIFACT)
        .append(" with CUDA 12 and cuDNN 9; put their library directories on LD_LIBRARY_PATH (PATH on Windows).");
    return sb.toString();
  }

  /** Scans this machine and builds the provider-failure message. */
  static String diagnoseProviderFailure(int deviceId, String ortMessage) {
    String os = System.getProperty("os.name", "");
    List<Path> dirs = searchDirectories(System.getenv(), os);
    Path ldCache = isWindows(os) ? null : Paths.get("/etc/ld.so.cache");
    Set<String> wanted = new LinkedHashSet<>(requiredLibraries(os));
    for (String named : librariesNamedIn(ortMessage)) {
      if (!named.startsWith("libonnxruntime") && !named.startsWith("onnxruntime")) {
        wanted.add(named);
      }
    }
    List<String> missing = missingLibraries(new ArrayList<>(wanted), dirs, ldCache);
    return providerFailure(deviceId, ortMessage, missing, dirs, ldCache != null && Files.isRegularFile(ldCache));
  }
}
