package io.github.mmesid.examples;

import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.train.RunOptions;
import java.util.List;

/**
 * The command-line options of {@link RunOptions}, shared by every training command: how a run
 * executes, never what it learns.
 */
final class RunOptionsCli {

  private RunOptionsCli() {}

  /**
   * The options: {@code --threads}, {@code --provider}, {@code --checkpoints},
   * {@code --allow-epoch-extension}.
   *
   * @return the options
   */
  static List<Option> options() {
    return List.of(
        Option.optional("threads", "N", "ONNX Runtime intra-op threads",
            Integer.toString(Runtime.getRuntime().availableProcessors())),
        Option.optional("provider", "cpu|cuda|cuda-prefer", "execution provider: CPU, CUDA (fail without it), "
            + "or CUDA falling back to CPU (CUDA needs the onnxruntime_gpu artifact)", "cpu"),
        Option.optional("checkpoints", "DIR", "write resumable checkpoints to DIR (resumes a run found there "
            + "with the same settings)", null),
        Option.flag("allow-epoch-extension", "resume a checkpointed run with more --epochs than it had"));
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
        .threads(args.intValue("threads", 1, 4096))
        .provider(provider(args.choice("provider", List.of("cpu", "cuda", "cuda-prefer"))))
        .allowEpochExtension(args.has("allow-epoch-extension"));
    if (args.get("checkpoints") != null) {
      b.checkpoints(args.path("checkpoints"));
    }
    return b.build();
  }

  /**
   * The provider named by a {@code --provider} value.
   *
   * @param name {@code cpu}, {@code cuda} or {@code cuda-prefer}
   * @return the provider (CUDA with REQUIRE or PREFER)
   */
  static ExecutionProvider provider(String name) {
    return switch (name) {
      case "cuda" -> ExecutionProvider.cuda(0, ExecutionProvider.Policy.REQUIRE);
      case "cuda-prefer" -> ExecutionProvider.cuda(0, ExecutionProvider.Policy.PREFER);
      default -> ExecutionProvider.cpu();
    };
  }
}
