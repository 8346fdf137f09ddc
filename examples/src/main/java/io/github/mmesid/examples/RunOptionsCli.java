package io.github.mmesid.examples;

import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.RunOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * The command-line options of {@link RunOptions}, shared by every training command: how a run
 * executes, never what it learns.
 */
final class RunOptionsCli {

  private RunOptionsCli() {}

  private static final List<String> PROVIDERS = List.of("cpu", "cuda", "cuda-prefer");

  /**
   * The options of where ONNX Runtime executes: {@code --threads} and {@code --provider}, also
   * for commands that only run inference.
   *
   * @return the options
   */
  static List<Option> executionOptions() {
    return List.of(
        Option.optional("threads", "N", "ONNX Runtime intra-op threads",
            Integer.toString(Runtime.getRuntime().availableProcessors())),
        Option.optional("provider", "cpu|cuda|cuda-prefer", "execution provider: CPU, CUDA (fail without it), "
            + "or CUDA falling back to CPU (CUDA needs the onnxruntime_gpu artifact)", "cpu"));
  }

  /**
   * The options: {@link #executionOptions()}, {@code --checkpoints},
   * {@code --allow-epoch-extension}.
   *
   * @return the options
   */
  static List<Option> options() {
    List<Option> o = new ArrayList<>(executionOptions());
    o.addAll(List.of(
        Option.optional("checkpoints", "DIR", "write resumable checkpoints to DIR (resumes a run found there "
            + "with the same settings)", null),
        Option.flag("allow-epoch-extension", "resume a checkpointed run with more --epochs than it had")));
    return List.copyOf(o);
  }

  /**
   * Reads the options.
   *
   * @param args the parsed command line (of a command that lists {@link #options()})
   * @return the run options
   * @throws UsageException if a value is out of range
   */
  static RunOptions parse(Args args) {
    RunOptions.Builder b = RunOptions.builder()
        .threads(threads(args))
        .provider(provider(args))
        .allowEpochExtension(args.has("allow-epoch-extension"));
    if (args.get("checkpoints") != null) {
      b.checkpoints(args.path("checkpoints"));
    }
    return b.build();
  }

  /**
   * The {@code --threads} value.
   *
   * @param args the parsed command line (of a command that lists {@link #executionOptions()})
   * @return the number of ONNX Runtime intra-op threads, 1..{@value RuntimeOptions#MAX_THREADS}
   * @throws UsageException if the value is out of range
   */
  static int threads(Args args) {
    return args.intValue("threads", 1, RuntimeOptions.MAX_THREADS);
  }

  /**
   * The provider named by {@code --provider}.
   *
   * @param args the parsed command line (of a command that lists {@link #executionOptions()})
   * @return the provider (CUDA with REQUIRE or PREFER)
   * @throws UsageException if the value is not one of {@code cpu}, {@code cuda}, {@code cuda-prefer}
   */
  static ExecutionProvider provider(Args args) {
    return switch (args.choice("provider", PROVIDERS)) {
      case "cuda" -> ExecutionProvider.cuda(0, ExecutionProvider.Policy.REQUIRE);
      case "cuda-prefer" -> ExecutionProvider.cuda(0, ExecutionProvider.Policy.PREFER);
      default -> ExecutionProvider.cpu();
    };
  }
}
