package io.github.mmesid.core.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RuntimeOptionsTest {

  @Test
  void defaults() {
    RuntimeOptions o = RuntimeOptions.defaults();
    assertEquals(ExecutionProvider.cpu(), o.provider());
    assertEquals(Runtime.getRuntime().availableProcessors(), o.intraOpThreads());
    assertEquals(1, o.interOpThreads());
    assertEquals(OptimizationLevel.ALL, o.optimizationLevel());
    assertFalse(o.deterministicCompute());
    assertTrue(o.memoryPattern() && o.cpuArena() && !o.threadSpinning());
    assertEquals(LogSeverity.WARNING, o.logSeverity());
  }

  @Test
  void validation() {
    IllegalArgumentException intra = assertThrows(IllegalArgumentException.class, () -> RuntimeOptions.builder().intraOpThreads(0).build());
    assertTrue(intra.getMessage().contains("intraOpThreads was 0") && intra.getMessage().contains("1.."), intra.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RuntimeOptions.builder().interOpThreads(RuntimeOptions.MAX_THREADS + 1).build());
    assertThrows(IllegalArgumentException.class, () -> RuntimeOptions.builder().provider(null).build());
    assertThrows(IllegalArgumentException.class, () -> RuntimeOptions.builder().optimizationLevel(null).build());
    assertThrows(IllegalArgumentException.class, () -> RuntimeOptions.builder().logSeverity(null).build());
  }

  @Test
  void everyCombinationOfSettingsProducesAWorkingSession() {
    RuntimeOptions base = RuntimeOptions.builder().intraOpThreads(1).threadSpinning(false).build();
    RuntimeOptions[] variants = {
      base,
      base.toBuilder().optimizationLevel(OptimizationLevel.NONE).deterministicCompute(true).build(),
      base.toBuilder().memoryPattern(false).cpuArena(false).logSeverity(LogSeverity.ERROR).build(),
      base.toBuilder().interOpThreads(2).intraOpThreads(2).optimizationLevel(OptimizationLevel.BASIC).build(),
      base.toBuilder().optimizationLevel(OptimizationLevel.EXTENDED).threadSpinning(true).build()
    };
    for (RuntimeOptions o : variants) {
      try (CompiledGraph g = CompiledGraph.builder(RawGraphBuilder.add(3)).options(o).build();
          RunOutputs out = g.run(Map.of("x", new float[] {1, 2, 3}, "y", new float[] {1, 1, 1}))) {
        assertEquals(o, g.options());
        assertArrayEquals(new float[] {2, 3, 4}, out.get("z").toFloatArray());
      }
    }
  }
}
