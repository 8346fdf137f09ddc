#!/usr/bin/env python3
"""GPU check of the SDK's graphs (benchmarks/gpu/README.md). Not part of the product or of CI.

Reads the directory written by io.github.mmesid.benchmarks.gpu.GpuCheckExport (manifest.json,
one folder per case with model.onnx, inputs in_*.npy and the CPU outputs out_*.npy of the Java
ONNX Runtime) and, for every case:

* runs the model with ONNX Runtime's CPU provider and, where the installed onnxruntime offers it,
  the CUDA provider (TF32 off), and compares both with the exported CPU outputs;
* reports, from a profiled CUDA run, which nodes ONNX Runtime placed on the CPU and the Memcpy
  nodes it inserted between the devices (with their bytes per run);
* prints the median time of one run (sess.run with host inputs and outputs, as the SDK binds
  them) on each provider.

Tolerances (stated in the README): floating-point outputs pass when
max|got - expected| <= atol + rtol * max|expected| over the tensor, with (rtol, atol) =
(1e-4, 1e-6) for optimizer updates (*_opt, optimizer_*) and (2e-3, 1e-5) for every other graph;
integer outputs (e.g. semantic-ID codes) pass when at most 1% of the elements differ (near-ties
of nearest-code searches may flip). Dropout masks are generated in the graphs from integer keys
and are bit-identical on every provider.

Exit status: 0 when every comparison passes (and CUDA was available if --require-cuda), 1 when
one fails, 2 on bad arguments or a missing onnxruntime.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

try:
    import onnxruntime as ort
except ImportError:  # pragma: no cover - reported to the user
    sys.stderr.write("run_cuda_check.py needs the onnxruntime package (onnxruntime-gpu for the "
                     "CUDA provider); see benchmarks/gpu/README.md\n")
    sys.exit(2)

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


def tolerance(case_name):
    """(rtol, atol) for a case's floating-point outputs."""
    if case_name.endswith("_opt") or case_name.startswith("optimizer_"):
        return 1e-4, 1e-6
    return 2e-3, 1e-5


def load_case(root, case):
    inputs = {name: np.load(os.path.join(root, path)) for name, path in case["inputs"].items()}
    expected = {name: np.load(os.path.join(root, path))
                for name, path in case["expected"].items()}
    return inputs, expected


def session(model, provider, profile_prefix=None, threads=0):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        so.intra_op_num_threads = threads
    if profile_prefix:
        so.enable_profiling = True
        so.profile_file_prefix = profile_prefix
    if provider == CUDA:
        providers = [(CUDA, {"device_id": 0, "use_tf32": 0}), CPU]
    else:
        providers = [CPU]
    return ort.InferenceSession(model, sess_options=so, providers=providers)


def run(sess, inputs):
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, inputs)))


def compare(case_name, got, expected):
    """Returns (ok, worst line) over all outputs."""
    rtol, atol = tolerance(case_name)
    ok = True
    worst = ""
    worst_ratio = -1.0
    for name, exp in expected.items():
        if name not in got:
            return False, "output %s missing" % name
        g = np.asarray(got[name])
        if g.shape != exp.shape:
            return False, "output %s has shape %s, expected %s" % (name, g.shape, exp.shape)
        if np.issubdtype(exp.dtype, np.integer):
            differ = int(np.count_nonzero(g != exp))
            frac = differ / max(1, exp.size)
            passed = frac <= 0.01
            ratio = frac / 0.01
            line = "%s: %d of %d integers differ" % (name, differ, exp.size)
        else:
            diff = float(np.max(np.abs(g.astype(np.float64) - exp))) if exp.size else 0.0
            scale = float(np.max(np.abs(exp))) if exp.size else 0.0
            bound = atol + rtol * scale
            passed = bool(np.all(np.isfinite(g))) and diff <= bound
            ratio = diff / bound if bound > 0 else 0.0
            line = "%s: max|diff| %.3g (bound %.3g = %g + %g * %.3g)" % (
                name, diff, bound, atol, rtol, scale)
        ok &= passed
        if not passed or ratio > worst_ratio:
            worst_ratio = ratio if passed else float("inf")
            worst = line
    return ok, worst


def timed(sess, inputs, warmup, repeat):
    for _ in range(warmup):
        sess.run(None, inputs)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        sess.run(None, inputs)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def placement(profile_file):
    """Nodes per provider from an ONNX Runtime profile: (on_cpu, memcpy) lists of
    (node, op, output bytes)."""
    with open(profile_file) as f:
        events = json.load(f)
    seen = {}
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time"):
            continue
        args = e.get("args", {})
        node = e["name"][: -len("_kernel_time")]
        seen[node] = (args.get("op_name", "?"), args.get("provider", "?"),
                      int(args.get("output_size", 0) or 0))
    on_cpu = [(n, op, size) for n, (op, prov, size) in seen.items() if prov == CPU]
    memcpy = [(n, op, size) for n, (op, prov, size) in seen.items()
              if op in ("MemcpyToHost", "MemcpyFromHost")]
    return on_cpu, memcpy, len(seen)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("export_dir", help="directory written by GpuCheckExport")
    p.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    p.add_argument("--repeat", type=int, default=20, help="timed runs per provider")
    p.add_argument("--warmup", type=int, default=3, help="untimed runs before timing")
    p.add_argument("--require-cuda", action="store_true",
                   help="fail when the CUDA provider is not available")
    p.add_argument("--report", default="", help="also write the results as JSON to this file")
    a = p.parse_args(argv)

    manifest_path = os.path.join(a.export_dir, "manifest.json")
    if not os.path.isfile(manifest_path):
        sys.stderr.write("no manifest.json in %s; run GpuCheckExport first\n" % a.export_dir)
        return 2
    with open(manifest_path) as f:
        manifest = json.load(f)
    if manifest.get("format") != 1:
        sys.stderr.write("manifest format %s; this script reads format 1\n"
                         % manifest.get("format"))
        return 2
    wanted = set(filter(None, (n.strip() for n in a.cases.split(","))))
    names = [c["name"] for c in manifest["cases"]]
    unknown = sorted(wanted - set(names))
    if unknown:
        sys.stderr.write("--cases: no case named %s in %s; allowed: %s\n"
                         % (", ".join(unknown), manifest_path, ", ".join(names)))
        return 2
    cases = [c for c in manifest["cases"] if not wanted or c["name"] in wanted]

    available = ort.get_available_providers()
    has_cuda = CUDA in available
    print("onnxruntime %s, providers %s" % (ort.__version__, available))
    if not has_cuda:
        print("CUDA provider not offered by this onnxruntime: only the CPU comparisons run")
    if a.require_cuda and not has_cuda:
        sys.stderr.write("--require-cuda: onnxruntime offers %s, no %s (install onnxruntime-gpu)\n"
                         % (available, CUDA))
        return 1

    failures = 0
    results = []
    profile_dir = tempfile.mkdtemp(prefix="mmesid-gpu-profile-")
    header = "%-28s %6s %-5s %-6s %9s %9s %5s %7s %8s" % (
        "case", "nodes", "cpu", "cuda", "cpu ms", "cuda ms", "onCPU", "memcpy", "memcpy B")
    print(header)
    for case in cases:
        name = case["name"]
        model = os.path.join(a.export_dir, case["model"])
        inputs, expected = load_case(a.export_dir, case)
        r = {"name": name, "nodes": case["nodes"],
             "audit_nodes_without_cuda_kernel": case["nodes_without_cuda_kernel"]}
        cpu = session(model, CPU)
        ok_cpu, worst_cpu = compare(name, run(cpu, inputs), expected)
        r["cpu_ok"], r["cpu_worst"] = ok_cpu, worst_cpu
        r["cpu_ms"] = timed(cpu, inputs, a.warmup, a.repeat)
        ok = ok_cpu
        cuda_cols = ("-", float("nan"), "-", "-", "-")
        if has_cuda:
            prof = session(model, CUDA, profile_prefix=os.path.join(profile_dir, name))
            if CUDA not in prof.get_providers():
                r["cuda_error"] = "session did not take the CUDA provider: %s" % (
                    prof.get_providers(),)
                ok = False
            else:
                ok_cuda, worst_cuda = compare(name, run(prof, inputs), expected)
                on_cpu, memcpy, profiled = placement(prof.end_profiling())
                fast = session(model, CUDA)
                r.update({"cuda_ok": ok_cuda, "cuda_worst": worst_cuda,
                          "cuda_ms": timed(fast, inputs, a.warmup, a.repeat),
                          "profiled_nodes": profiled,
                          "nodes_on_cpu": [{"node": n, "op": op, "output_bytes": s}
                                           for n, op, s in on_cpu],
                          "memcpy": [{"node": n, "op": op, "bytes": s}
                                     for n, op, s in memcpy]})
                ok &= ok_cuda
                cuda_cols = ("ok" if ok_cuda else "FAIL", r["cuda_ms"], len(on_cpu),
                             len(memcpy), sum(s for _, _, s in memcpy))
        r["ok"] = ok
        failures += 0 if ok else 1
        results.append(r)
        print("%-28s %6d %-5s %-6s %9.3f %9.3f %5s %7s %8s" % (
            name, case["nodes"], "ok" if ok_cpu else "FAIL", cuda_cols[0], r["cpu_ms"],
            cuda_cols[1], cuda_cols[2], cuda_cols[3], cuda_cols[4]))
        if not ok_cpu:
            print("    cpu:  %s" % worst_cpu)
        if "cuda_error" in r:
            print("    cuda: %s" % r["cuda_error"])
        elif has_cuda and not r.get("cuda_ok", True):
            print("    cuda: %s" % r["cuda_worst"])
        if has_cuda and r.get("nodes_on_cpu"):
            ops = {}
            for n in r["nodes_on_cpu"]:
                ops[n["op"]] = ops.get(n["op"], 0) + 1
            print("    on CPU: %s" % ", ".join("%s x%d" % kv for kv in sorted(ops.items())))
    shutil.rmtree(profile_dir, ignore_errors=True)
    print("%d of %d cases passed%s" % (len(results) - failures, len(results),
                                       "" if has_cuda else " (CPU only)"))
    if a.report:
        with open(a.report, "w") as f:
            json.dump({"onnxruntime": ort.__version__, "providers": available,
                       "cases": results}, f, indent=2)
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
