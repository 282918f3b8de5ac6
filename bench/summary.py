#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# bench/summary.py - memarena's benchmark goals (issue "make bench",
# Documentation/benchmarks.rst) against one bench/results.json.
#
# usage: bench/summary.py [RESULTS_JSON]   (default bench/results.json)
#
# For each mode, one line per goal: the figure, the goal and "met" or
# "MISSED"; then the worst memarena/kmem_cache cell.  Figures are
# geometric means of ratios over the sizes (and orders) a goal covers.
# bench/run prints this after its tables.  Exit status 0, whatever the
# figures: goals are reported, never asserted; 1 if the file is unusable.

import json
import math
import statistics
import sys


def gmean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt(x, unit="x"):
    return "-" if x is None else "%.2f%s" % (x, unit)


def ratio(results, workload, alloc, base, pred=lambda r: True):
    ref = {}
    for r in results:
        if r["workload"] == workload and r["alloc"] == base and \
           "ns_per_op" in r:
            ref[(r["order"], r["n"], r["size"])] = r["ns_per_op"]
    out = []
    for r in results:
        if r["workload"] != workload or r["alloc"] != alloc or \
           "ns_per_op" not in r or not pred(r):
            continue
        b = ref.get((r["order"], r["n"], r["size"]))
        if b:
            out.append(r["ns_per_op"] / b)
    return gmean(out), len(out)


# Every goal's figure per mode, for the deciding block: {name: {mode: v}}.
FIGURES = {}
_mode = [None]

# Which modes decide a goal: the deterministic ones where they measure it
# (instruction counts repeat run to run; multi-vCPU TCG timings move by up
# to 70%).  The one-vCPU icount modes measure pair, batch and bulk; the
# icount-smp2 modes (two vCPUs run round-robin, byte-identical output
# run to run) remote, larson, parallel and the /proc/memstats reader's
# loss beyond its own CPU (statload), as instructions and lock traffic,
# not cache-line contention (Documentation/benchmarks.rst, "Modes").
# The readers' p99 and throughput loss, and netlink's, are measured in
# the TCG modes only: TCG timings decide those, and say so.
DETERMINISTIC = ("icount", "icount-noinit", "icount-smp2", "icount-smp2-noinit")


def met(value, limit, cmp):
    return value <= limit if cmp == "<=" else value >= limit


def goal(name, value, limit, cmp, note=""):
    if value is None:
        state = "not measured"
    else:
        state = "met" if met(value, limit, cmp) else "MISSED"
        FIGURES.setdefault(name, {"limit": limit, "cmp": cmp, "by": {}})
        FIGURES[name]["by"][_mode[0]] = value
    print("   %-46s %9s  goal %s %-6s %s%s" % (
        name, fmt(value, "") if value is not None else "-", cmp,
        limit, state, "  (" + note + ")" if note else ""))


def statload(res):
    """The statload workload (icount-smp2 modes): the churn's loss with
    the /proc/memstats reader beyond its loss with a spinner that runs as
    many instructions (pairs in run order), over the reader-less runs'
    mean; and the mean time of a read alone, in us (instructions / 1000).
    (None, None) without statload results."""
    sl = [r for r in res if r["workload"] == "statload" and "ops" in r]
    none = [r["ops"] for r in sl if r["reader"] == "none"]
    files = [r["ops"] for r in sl if r["reader"] == "memstats" and r["threads"]]
    spins = [r["ops"] for r in sl if r["reader"] == "spin"]
    alone = [r["read_mean_ns"] / 1000.0 for r in sl
             if r["reader"] == "memstats" and not r["threads"]]
    base = sum(none) / len(none) if none else 0
    if not base or not files or len(files) != len(spins):
        return None, None
    beyond = statistics.mean((s - f) / base for f, s in zip(files, spins))
    return beyond, alone[0] if alone else None


def summary(m):
    res = m.get("results", [])
    fixed = lambda r: r["size"] != "mixed"
    print("   goals (memarena / kmem_cache unless said; geometric means):")
    v, n = ratio(res, "pair", "memarena", "kmem_cache", fixed)
    goal("pair", v, 1.0, "<=", "%d sizes; stretch 0.85" % n)
    v, n = ratio(res, "batch", "memarena", "kmem_cache",
                 lambda r: fixed(r) and r["n"] >= 1024)
    goal("batch N >= 1024", v, 0.8, "<=", "%d cells" % n)
    v, n = ratio(res, "bulk", "memarena_bulk", "kmem_cache_bulk", fixed)
    goal("bulk: memarena_bulk / kmem_cache_bulk", v, 1.0, "<=", "%d cells" % n)
    v, n = ratio(res, "remote", "memarena", "kmem_cache", fixed)
    goal("remote", v, 1.0, "<=", "%d sizes" % n)
    effs = [r.get("efficiency") for r in res
            if r["workload"] == "parallel" and r["alloc"] == "memarena"
            and r.get("efficiency") is not None]
    goal("parallel scaling efficiency (worst size)",
         min(effs) if effs else None, 0.95, ">=")
    fp = {r["alloc"]: r for r in res if r["workload"] == "footprint"
          and "overhead_milli" in r}
    if "memarena" in fp and "kmalloc" in fp and fp["kmalloc"]["overhead_milli"]:
        goal("footprint at peak, memarena / kmalloc",
             fp["memarena"]["overhead_milli"] / fp["kmalloc"]["overhead_milli"],
             0.9, "<=")
        goal("pages given back after free-all (share)",
             fp["memarena"]["returned_milli"] / 1000.0, 0.95, ">=")
    else:
        goal("footprint at peak, memarena / kmalloc", None, 0.9, "<=")
    rp = {r["alloc"]: r for r in res if r["workload"] == "replay"
          and r["order"] == "serial" and "ns_per_op" in r}
    if "memarena" in rp and "kmalloc" in rp:
        goal("replay: time, memarena / kmalloc",
             rp["memarena"]["ns_per_op"] / rp["kmalloc"]["ns_per_op"]
             if rp["kmalloc"]["ns_per_op"] else None, 1.0, "<=",
             "%d records; %.1f / %.1f ns each" % (
                 rp["memarena"]["ops"], rp["memarena"]["ns_per_op"],
                 rp["kmalloc"]["ns_per_op"]))
        goal("replay: footprint at peak, memarena / kmalloc",
             rp["memarena"]["overhead_milli"] / rp["kmalloc"]["overhead_milli"]
             if rp["kmalloc"].get("overhead_milli") else None, 0.9, "<=",
             "%.3fx / %.3fx of %d live bytes" % (
                 rp["memarena"]["overhead_milli"] / 1000.0,
                 rp["kmalloc"]["overhead_milli"] / 1000.0,
                 rp["memarena"]["live_bytes"]))
    else:
        goal("replay: time, memarena / kmalloc", None, 1.0, "<=")
        goal("replay: footprint at peak, memarena / kmalloc", None, 0.9, "<=")
    beyond, alone = statload(res)
    if beyond is not None:
        goal("stats via proc: loss beyond the reader's CPU (mean)", beyond,
             0.02, "<=", "statload: memstats reader vs same-instruction"
             " spinner; a read alone %s us" % (
                 "%.1f" % alone if alone is not None else "-"))
    for reader in ("proc", "netlink"):
        p99 = [float(e["reader_result"]["p99_us"])
               for e in m.get("stats_under_load", [])
               if e.get("kind") == "churn" and e.get("reader") == reader
               and "reader_result" in e]
        loss = [e["throughput_loss"] for e in m.get("stats_under_load", [])
                if e.get("kind") == "churn" and e.get("reader") == reader
                and "throughput_loss" in e]
        goal("stats via %s: reader p99 (us, median of runs)" % reader,
             statistics.median(p99) if p99 else None, 50, "<=")
        extra = [e["interference"] for e in m.get("stats_under_load", [])
                 if e.get("kind") == "churn" and e.get("reader") == reader
                 and "interference" in e]
        if not (reader == "proc" and beyond is not None):
            goal("stats via %s: loss beyond the reader's CPU (mean)" % reader,
                 statistics.mean(extra) if extra else None, 0.02, "<=")
        goal("stats via %s: throughput loss (mean)" % reader,
             statistics.mean(loss) if loss else None, 0.02, "<=")
    on, off = {}, {}
    for r in m.get("profile", []):
        d = on if r["profile_rate"] else off
        d[r["size"]] = min(d.get(r["size"], r["ns_per_op"]), r["ns_per_op"])
    costs = [on[s] / off[s] for s in on if s in off and off[s]]
    goal("heap profile at 512 KiB: pair, on / off", gmean(costs), 1.02, "<=",
         "%d sizes; %s" % (len(costs), ", ".join(
             "%s %.1f/%.1f ns" % (s, on[s], off[s]) for s in on if s in off)))
    h = m.get("lock_holds")
    if h:
        print("   longest lock holds over the workloads (interrupts off): page heap %.1f us, central %.1f us%s"
              % (h.get("heap_ns", 0) / 1000.0, h.get("central_ns", 0) / 1000.0,
                 " (round-robin vCPUs: a hold counts the other vCPUs' turns)"
                 if m.get("round_robin") else ""))
    worst = None
    for r in res:
        x = r.get("ratio_kmem_cache")
        if r["alloc"] == "memarena" and x and (worst is None or
                                               x > worst["ratio_kmem_cache"]):
            worst = r
    if worst:
        print("   worst memarena / kmem_cache cell: %.2fx (%s %s n=%s size=%s)"
              % (worst["ratio_kmem_cache"], worst["workload"],
                 worst["order"], worst["n"], worst["size"]))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "bench/results.json"
    try:
        doc = json.load(open(path))
    except (OSError, ValueError) as e:
        print("bench/summary.py: %s: %s" % (path, e), file=sys.stderr)
        return 1
    for m in doc.get("modes", []):
        print()
        print("== goals, mode %s: %s" % (m.get("mode"), m.get("description")))
        _mode[0] = m.get("mode")
        summary(m)
    decide()
    return 0


def decide():
    """One line per goal: met only if every deciding mode that measured
    it meets it; the TCG modes decide only what no deterministic mode
    measures (the statistics readers but /proc's loss beyond its CPU)."""
    if not FIGURES:
        return
    print()
    print("== goals, decided by the deterministic modes where they measure them:")
    for name, f in FIGURES.items():
        by = {m: v for m, v in f["by"].items() if m in DETERMINISTIC}
        src = "deterministic"
        if not by:
            by = f["by"]
            src = "TCG timings only"
        if not by:
            continue
        ok = all(met(v, f["limit"], f["cmp"]) for v in by.values())
        print("   %-46s %s  goal %s %-6s %s  (%s)" % (
            name, " ".join("%s %.3f" % (m, v) for m, v in by.items()),
            f["cmp"], f["limit"], "met" if ok else "MISSED", src))


if __name__ == "__main__":
    sys.exit(main())
