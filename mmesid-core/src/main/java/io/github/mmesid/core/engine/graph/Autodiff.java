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
    Tensor sum = sum(t.shape(), parts);
    done.put(t, sum);
    return sum;
  }

  /**
   * Sums the gradient parts of a tensor of shape {@code shape}. When a part already has the full
   * shape, a part made by Expand (a reduction's gradient broadcast back to its input, as in the
   * mean of a normalisation) is added un-expanded: Add broadcasts it, one pass over the data
   * instead of an Expand and an Add. Same values; only the order of the additions may differ.
   */
  private static Tensor sum(Shape shape, List<Tensor> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    List<Tensor> ordered = new ArrayList<>(parts.size());
    List<Tensor> broadcast = new ArrayList<>();
    int firstFull = -1;
    for (Tensor p : parts) {
      Tensor in = unexpanded(p, shape);
      if (in != p) {
        broadcast.add(in);
      } else {
        if (firstFull < 0 && p.shape().equals(shape)) {
          firstFull = ordered.size();
        }
        ordered.add(p);
      }
    }
    if (firstFull < 0 || broadcast.isEmpty()) {
      ordered = parts;
    } else {
      // A part of the full shape first, so that every partial sum has it.
      ordered.add(0, ordered.remove(firstFull));
      ordered.addAll(broadcast);
    }
    Tensor sum = ordered.get(0);
    for (int i = 1; i < ordered.size(); i++) {
      sum = MathOps.add(sum, ordered.get(i));
    }
    return sum;
  }

  /** The input of an Expand that broadcasts to {@code shape} by itself, else {@code p}. */
  static Tensor unexpanded(Tensor p, Shape shape) {
    Node n = p.producer();
    if (n == null || !n.opType().equals("Expand")) {
      return p;
    }
    Tensor in = n.input(0);
    try {
      return Shape.broadcast(in.shape(), shape).equals(shape) ? in : p;
    } catch (IllegalArgumentException e) {
      return p;
    }
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
