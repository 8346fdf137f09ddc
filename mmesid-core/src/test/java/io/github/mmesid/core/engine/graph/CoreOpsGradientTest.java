package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

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
  void castRoundTripPassesGradientThrough() {
    // float64 -> float32 -> float64: the gradient is the identity up to float32 rounding
    // (relative tolerance 1e-4, float32 has a 6e-8 unit roundoff amplified by the differences).
    check(new io.github.mmesid.core.engine.check.GradientChecker.Options(1e-3, 1e-4, 1e-6, 40, 1),
        (g, x) -> x.get(0).cast(DType.FLOAT32).mul(x.get(0).cast(DType.FLOAT32))
            .cast(DType.FLOAT64), rand(r, 3, 4));
  }

  @Test
  void doubleTransposeFoldsAway() {
    Graph g = new Graph("tt");
    Tensor x = g.input("x", DType.FLOAT32, Shape.of(2, 3, 4));
    assertSame(x, x.transpose(1, 2, 0).transpose(2, 0, 1));
    Tensor t = x.transpose(0, 2, 1);
    assertNotSame(x, t.transpose(1, 0, 2));
    check((gr, in) -> in.get(0).transpose(1, 0).mul(2.0).transpose(1, 0).transpose(1, 0),
        rand(r, 3, 2));
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
