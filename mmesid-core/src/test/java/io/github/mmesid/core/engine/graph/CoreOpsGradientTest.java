package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Finite-difference checks (float64 through ONNX Runtime) of the core arithmetic ops. */
class CoreOpsGradientTest {
  private final SplittableRandom r = new SplittableRandom(42);

  @Test
  void addSubMulWithBroadcasting() {
    check((g, x) -> x.get(0).add(x.get(1)), rand(r, 3, 4), rand(r, 4));
    check((g, x) -> x.get(0).sub(x.get(1)), rand(r, 2, 1, 4), rand(r, 3, 1));
    check((g, x) -> x.get(0).mul(x.get(1)), rand(r, 2, 3, 4), rand(r, 1, 3, 1));
  }

  @Test
  void divNegExpLogSqrt() {
    check((g, x) -> x.get(0).div(x.get(1)), rand(r, 3, 4), rand(r, 0.5, 2, 3, 1));
    check((g, x) -> x.get(0).neg().exp(), rand(r, 5));
    check((g, x) -> x.get(0).log(), rand(r, 0.5, 3, 2, 3));
    check((g, x) -> x.get(0).sqrt(), rand(r, 0.5, 3, 2, 3));
  }

  @Test
  void matmulBatchedAndBroadcast() {
    check((g, x) -> x.get(0).matmul(x.get(1)), rand(r, 3, 4), rand(r, 4, 5));
    check((g, x) -> x.get(0).matmul(x.get(1)), rand(r, 2, 3, 4), rand(r, 4, 2));
    check((g, x) -> x.get(0).matmul(x.get(1)), rand(r, 2, 1, 3, 4), rand(r, 3, 4, 2));
  }

  @Test
  void reluAndReductions() {
    check((g, x) -> x.get(0).relu(), rand(r, 4, 5));
    check((g, x) -> x.get(0).sum(false, 1), rand(r, 3, 4, 2));
    check((g, x) -> x.get(0).sum(true, 0, 2), rand(r, 3, 4, 2));
    check((g, x) -> x.get(0).mean(false), rand(r, 3, 4));
    check((g, x) -> x.get(0).mean(true, -1), rand(r, 3, 4));
  }

  @Test
  void shapeOps() {
    check((g, x) -> x.get(0).reshape(4, -1).transpose(1, 0), rand(r, 2, 3, 2));
    check((g, x) -> ArrayOps.unsqueeze(x.get(0), 0, 2).mul(x.get(0).sum(false)),
        rand(r, 3, 2));
    check((g, x) -> ArrayOps.squeeze(x.get(0), 1).mul(2.0), rand(r, 3, 1, 2));
    check((g, x) -> ArrayOps.expand(x.get(0), Shape.of(2, 3, 4)), rand(r, 3, 1));
    check((g, x) -> ArrayOps.where(ArrayOps.compare("Greater", x.get(0), x.get(1)), x.get(0),
        x.get(1).mul(3.0)), rand(r, 3, 4), rand(r, 4));
  }
}
