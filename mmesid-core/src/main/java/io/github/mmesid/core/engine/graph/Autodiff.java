package io.github.mmesid.core.engine.graph;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode automatic differentiation: appends to a graph the nodes that compute the gradient
 * of a scalar loss with respect to chosen tensors, using each node's {@link Vjp} rule. Only nodes
 * that lie on a path from a chosen tensor to the loss are differentiated; integer and boolean
 * values, stop-gradient nodes and frozen weights carry no gradient.
 */
public final class Autodiff {
  private Autodiff() {}

  /**
   * Gradients of {@code loss} with respect to each tensor of {@code wrt}.
   *
   * @param loss a floating-point scalar (rank 0, or one element)
   * @param wrt tensors of the same graph (typically its parameters)
   * @return gradient tensors in the order of {@code wrt}, each of its tensor's shape and dtype; a
   *     tensor the loss does not depend on gets zeros
   */
  public static Map<Tensor, Tensor> gradients(Tensor loss, List<Tensor> wrt) {
    Graph graph = loss.graph();
    MathOps.requireFloat("Autodiff loss", loss);
    if (loss.shape().isStatic() && loss.shape().numel() != 1) {
      throw new IllegalArgumentException(
          "The loss must be a scalar (one element), got " + loss + "; reduce it first");
    }
    Set<Tensor> wrtSet = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (Tensor t : wrt) {
      loss.checkSameGraph(t);
      if (!t.dtype().isFloatingPoint()) {
        throw new IllegalArgumentException("Cannot differentiate with respect to " + t
            + ": only floating-point tensors have gradients");
      }
      wrtSet.add(t);
    }
    List<Node> nodes = new ArrayList<>(graph.nodes());

    // Forward: which tensors depend (differentiably) on a wrt tensor.
    Set<Tensor> dependent = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    dependent.addAll(wrtSet);
    for (Node n : nodes) {
      if (n.vjp() == Vjp.NONE) {
        continue;
      }
      boolean dep = false;
      for (Tensor in : n.inputs()) {
        dep |= in != null && dependent.contains(in);
      }
      if (dep) {
        for (Tensor out : n.outputs()) {
          if (out.dtype().isFloatingPoint()) {
            dependent.add(out);
          }
        }
      }
    }

    // Backward: accumulate output gradients in reverse topological order.
    Map<Tensor, List<Tensor>> pending = new IdentityHashMap<>();
    pending.computeIfAbsent(loss, k -> new ArrayList<>()).add(onesLike(loss));
    Map<Tensor, Tensor> done = new IdentityHashMap<>();
    for (int idx = nodes.size() - 1; idx >= 0; idx--) {
      Node n = nodes.get(idx);
      List<Tensor> gOut = new ArrayList<>(n.outputs().size());
      boolean any = false;
      for (Tensor out : n.outputs()) {
        Tensor g = collect(pending, done, out);
        gOut.add(g);
        any |= g != null;
      }
      if (!any) {
        continue;
      }
      boolean[] need = new boolean[n.inputs().size()];
      boolean anyNeed = false;
      for (int i = 0; i < need.length; i++) {
        Tensor in = n.input(i);
        need[i] = in != null && dependent.contains(in);
        anyNeed |= need[i];
      }
      if (!anyNeed) {
        continue;
      }
      Vjp rule = VjpRules.forNode(n);
      List<Tensor> gIn = rule.apply(n, gOut, need);
      if (gIn == null) {
        continue;
      }
      if (gIn.size() != need.length) {
        throw new IllegalStateException("Gradient rule of " + n.opType() + " returned "
            + gIn.size() + " gradients for " + need.length + " inputs");
      }
      for (int i = 0; i < need.length; i++) {
        Tensor gi = gIn.get(i);
        if (need[i] && gi != null) {
          Tensor in = n.input(i);
          if (gi.dtype() != in.dtype()) {
            throw new IllegalStateException("Gradient rule of " + n.opType() + " produced "
                + gi + " for input " + in);
          }
          pending.computeIfAbsent(in, k -> new ArrayList<>()).add(gi);
        }
      }
    }
    Map<Tensor, Tensor> result = new LinkedHashMap<>();
    for (Tensor t : wrt) {
      Tensor g = collect(pending, done, t);
      result.put(t, g != null ? g : zerosLike(t));
    }
    return result;
  }

  /**
   * Gradients as a list in the order of {@code wrt}.
   *
   * @param loss the scalar loss
   * @param wrt tensors to differentiate with respect to
   * @return the gradients
   */
  public static List<Tensor> gradientList(Tensor loss, List<Tensor> wrt) {
    Map<Tensor, Tensor> m = gradients(loss, wrt);
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : wrt) {
      out.add(m.get(t));
    }
    return out;
  }

  private static Tensor collect(Map<Tensor, List<Tensor>> pending, Map<Tensor, Tensor> done,
      Tensor t) {
    Tensor d = done.get(t);
    if (d != null) {
      return d;
    }
    List<Tensor> parts = pending.remove(t);
    if (parts == null || parts.isEmpty()) {
      return null;
    }
    Tensor sum = parts.get(0);
    for (int i = 1; i < parts.size(); i++) {
      sum = MathOps.add(sum, parts.get(i));
    }
    done.put(t, sum);
    return sum;
  }

  static Tensor onesLike(Tensor t) {
    Graph g = t.graph();
    if (t.shape().isStatic()) {
      return ArrayOps.expand(g.scalarLike(1, t), t.shape());
    }
    return ArrayOps.expand(g.scalarLike(1, t), ArrayOps.shapeOf(t), t.shape());
  }

  static Tensor zerosLike(Tensor t) {
    Graph g = t.graph();
    if (t.shape().isStatic()) {
      return ArrayOps.expand(g.scalarLike(0, t), t.shape());
    }
    return ArrayOps.expand(g.scalarLike(0, t), ArrayOps.shapeOf(t), t.shape());
  }
}
