package io.github.mmesid.examples;

import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.llm.llama.LlamaHiddenStates;
import io.github.mmesid.llm.llama.LlamaWeights;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code llama-hidden}: runs a Llama checkpoint's backbone on token ids and writes the final
 * hidden states {@code [B, T, H]} as a float32 {@code .npy}.
 */
public final class LlamaHiddenCommand implements Command {

  @Override
  public String name() {
    return "llama-hidden";
  }

  @Override
  public String summary() {
    return "run a Hugging Face Llama checkpoint on token ids and write the final hidden states (.npy)";
  }

  @Override
  public List<Option> options() {
    return List.of(
        Option.required("checkpoint", "DIR", "checkpoint directory: config.json + model.safetensors (or sharded)"),
        Option.repeatable("ids", "ID,ID,...", "token ids of one sequence; repeat for a batch (shorter ones are left-padded)"),
        Option.required("out", "FILE", "output .npy, float32 [B, T, H]"),
        Option.optional("threads", "N", "intra-op threads",
            Integer.toString(Runtime.getRuntime().availableProcessors())));
  }

  @Override
  public int run(Args args, PrintStream out) {
    Path dir = args.path("checkpoint");
    if (!Files.isDirectory(dir)) {
      throw new UsageException("--checkpoint " + dir + ": no such directory");
    }
    List<String> seqs = args.getAll("ids");
    long[][] ids = new long[seqs.size()][];
    for (int b = 0; b < ids.length; b++) {
      String[] parts = seqs.get(b).split(",");
      ids[b] = new long[parts.length];
      for (int i = 0; i < parts.length; i++) {
        try {
          ids[b][i] = Long.parseLong(parts[i].trim());
        } catch (NumberFormatException e) {
          throw new UsageException("--ids '" + seqs.get(b) + "': '" + parts[i]
              + "' is not an integer; allowed: comma-separated token ids such as 1,17,42");
        }
      }
    }
    int threads = args.intValue("threads", 1, 1024);
    Path file = args.outputFile("out");
    long t0 = System.nanoTime();
    LlamaWeights w = LlamaWeights.load(dir);
    long t1 = System.nanoTime();
    out.printf(Locale.ROOT, "checkpoint: %s  %s (loaded in %.2f s)%n", dir, w.config(),
        EvaluateCommand.seconds(t0, t1));
    LlamaHiddenStates.Result r;
    try (LlamaHiddenStates hs = LlamaHiddenStates.open(w,
        RuntimeOptions.builder().intraOpThreads(threads).build())) {
      r = hs.run(ids);
    }
    long t2 = System.nanoTime();
    Outputs.writeNpy(file, NpyArray.ofFloats(r.values(), r.batch(), r.seqLen(), r.hidden()));
    long t3 = System.nanoTime();
    out.printf(Locale.ROOT, "input_ids [%d, %d] -> hidden_states [%d, %d, %d] (compile + run "
        + "%.2f s)%n", r.batch(), r.seqLen(), r.batch(), r.seqLen(), r.hidden(),
        EvaluateCommand.seconds(t1, t2));
    out.printf(Locale.ROOT, "wrote %s (%.2f s total)%n", file, EvaluateCommand.seconds(t0, t3));
    return 0;
  }
}
