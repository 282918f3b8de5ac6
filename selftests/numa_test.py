#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""
The scavenger and the memory limit with two memory nodes (selftests/vm-run
--numa 2; the whole program skips on one node).

  goal   each node's heap is held to its own goal (its HeapInuse plus
         scavenge_percent): idle pages on one node go back to the page
         allocator although the whole heap is under the goal the totals
         would give, and a node at its goal keeps its pages;
  limit  the memory limit is on the total (Sys - HeapReleased): a limit
         that only releasing on both nodes can meet is met by one cycle,
         and no live object is lost.

Objects are large (64 KiB, past the largest size class): they come from
the heap of the allocating CPU's node and go straight back to it, with no
per-CPU cache in between, so what each node holds is known exactly.  The
cycles are counted (NumGC), not timed.  Uses memstat (build/user/memstat)
and /dev/memarena; runs from selftests/run_tests inside the VM, from the
repository root.  Puts every module parameter it changes back.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import memstat_test as mt  # noqa: E402  (the helpers of the memstat tests)
from memstat_test import check, Fail, Skip, diag  # noqa: E402

PARAMS = '/sys/module/memarena/parameters/'
OBJ = 64 << 10			# a large object: the heap's pages, no cache
MiB = 1 << 20
QUIET_MS = 3600000		# no background cycle unless a test asks for one


def param(name, value=None):
    path = PARAMS + name
    if value is None:
        with open(path) as f:
            return int(f.read())
    with open(path, 'w') as f:
        f.write(str(value))
    return None


class Params:
    """Set module parameters; put the old values back on exit."""
    def __init__(self, **values):
        self.values = values
        self.old = {}

    def __enter__(self):
        for name, v in self.values.items():
            old = param(name)
            if old != v:	# memory_limit's writes start a cycle
                self.old[name] = old
                param(name, v)
        return self

    def __exit__(self, *exc):
        for name, v in reversed(list(self.old.items())):
            param(name, v)


def nodes():
    """memstat nodes --json as {node: row}."""
    return {r['node']: r for r in mt.memstat_json('nodes')['nodes']}


def retained_idle(r):
    """Idle pages a node still holds from the page allocator."""
    return r['heap_idle'] - r['heap_released']


def wait_cycle(num_gc):
    """Until a cycle after the one numbered num_gc has been recorded."""
    deadline = time.time() + mt.WAIT_S
    while mt.read_proc()[0]['NumGC'] <= num_gc:
        if time.time() > deadline:
            raise Fail(f'no reclaim cycle in {mt.WAIT_S} s (NumGC still {num_gc})')
        time.sleep(0.05)


def cpus_by_node():
    """One online CPU of each memory node that has one: {node: cpu}."""
    got = {}
    for cpu in sorted(mt.id_list('/sys/devices/system/cpu/online')):
        got.setdefault(mt.cpu_node(cpu), cpu)
    return {n: c for n, c in got.items() if n in mt.memory_nodes()}


def two_nodes():
    cpus = cpus_by_node()
    if len(cpus) < 2:
        raise Skip('needs two memory nodes with CPUs (vm-run --numa 2)')
    (a, ca), (b, cb) = sorted(cpus.items())[:2]
    return a, ca, b, cb


def t_goal_per_node():
    a, ca, b, cb = two_nodes()
    pct = param('scavenge_percent')
    check(param('memory_limit') == 0, f'a memory limit is set: {param("memory_limit")}')
    with Params(scavenge_interval_ms=QUIET_MS):
        mt.memstat('gc')		# start with nothing idle held
        busy = mt.DevFile()
        try:
            busy.alloc(OBJ, 512, cpu=cb)	# node b: 32 MiB in use
            gone = mt.DevFile()
            gone.alloc(OBJ, 128, cpu=ca)	# node a: 8 MiB, then idle
            gone.close()
            before = nodes()
            proc = mt.read_proc()[0]
            idle_a = retained_idle(before[a])
            check(idle_a >= 8 * MiB, f'node {a} holds {idle_a} idle bytes, not 8 MiB: {before}')
            check(retained_idle(before[b]) <= before[b]['heap_inuse'] * pct // 100,
                  f'test setup: node {b} is over its goal: {before[b]}')
            # Precondition: a goal on the totals would keep some of node
            # a's idle pages; only a per-node goal gives them all back.
            inuse = sum(r['heap_inuse'] for r in before.values())
            total_goal = inuse + inuse * pct // 100
            total_held = sum(r['heap_sys'] - r['heap_released'] for r in before.values())
            check(total_held - total_goal < idle_a,
                  f'test setup: the total goal {total_goal} would release node {a}\'s '
                  f'{idle_a} idle bytes too (held {total_held})')
            # One background cycle.
            with Params(scavenge_interval_ms=50):
                wait_cycle(proc['NumGC'])
            after = nodes()
            for n, r in after.items():
                check(retained_idle(r) <= r['heap_inuse'] * pct // 100,
                      f'after a background cycle node {n} holds {retained_idle(r)} idle '
                      f'bytes, over {pct}% of its HeapInuse {r["heap_inuse"]}: {after}')
            check(after[b]['heap_inuse'] == before[b]['heap_inuse'] and
                  after[b]['heap_released'] == before[b]['heap_released'],
                  f'node {b}, at its goal, changed: {before[b]} -> {after[b]}')
            check(after[a]['heap_released'] - before[a]['heap_released'] >= idle_a -
                  after[a]['heap_inuse'] * pct // 100,
                  f'node {a} released too little: {before[a]} -> {after[a]}')
        finally:
            busy.close()
        mt.memstat('gc')


def t_limit_total():
    a, ca, b, cb = two_nodes()
    # scavenge_percent so high that no node's goal asks for anything.
    check(param('memory_limit') == 0, f'a memory limit is set: {param("memory_limit")}')
    with Params(scavenge_interval_ms=QUIET_MS, scavenge_percent=100000):
        mt.memstat('gc')
        live = mt.DevFile()
        try:
            for cpu in (ca, cb):	# 8 MiB live and 8 MiB idle on each node
                live.alloc(OBJ, 128, cpu=cpu)
                gone = mt.DevFile()
                gone.alloc(OBJ, 128, cpu=cpu)
                gone.close()
            before = nodes()
            proc = mt.read_proc()[0]
            footprint = proc['Sys'] - proc['HeapReleased']
            for n in (a, b):
                check(retained_idle(before[n]) >= 8 * MiB,
                      f'node {n} holds {retained_idle(before[n])} idle bytes, not 8 MiB')
            # Over what either node alone could give back.
            limit = footprint - 12 * MiB
            with Params(memory_limit=limit):	# setting it starts a cycle
                wait_cycle(proc['NumGC'])
                proc2 = mt.read_proc()[0]
                after = nodes()
            got = proc2['Sys'] - proc2['HeapReleased']
            check(got <= limit, f'footprint {got} after a cycle, over the limit {limit} '
                  f'(was {footprint}): {after}')
            for n in (a, b):
                check(after[n]['heap_released'] > before[n]['heap_released'],
                      f'node {n} gave nothing back for a limit only both nodes can meet: '
                      f'{before[n]} -> {after[n]}')
                check(after[n]['heap_inuse'] >= 8 * MiB,
                      f'node {n} lost objects in use: {after[n]}')
            check(proc2['HeapAlloc'] == proc['HeapAlloc'],
                  f'HeapAlloc moved from {proc["HeapAlloc"]} to {proc2["HeapAlloc"]}')
        finally:
            live.close()
        mt.memstat('gc')


TESTS = [
    ('numa: each node held to its own goal by the background scavenger', t_goal_per_node),
    ('numa: the memory limit is on the total, met by releasing on both nodes', t_limit_total),
]


def run():
    print('TAP version 13')
    if not os.access(mt.MEMSTAT, os.X_OK):
        print(f'1..0 # SKIP {mt.MEMSTAT} not built')
        return 4
    if not os.path.exists(mt.PROC):
        print('1..0 # SKIP memarena is not loaded')
        return 4
    if len(cpus_by_node()) < 2:
        print('1..0 # SKIP one memory node with CPUs (selftests/vm-run --numa 2 gives two)')
        return 4
    print(f'1..{len(TESTS)}')
    failed = 0
    for num, (name, fn) in enumerate(TESTS, 1):
        try:
            fn()
            print(f'ok {num} {name}')
        except Skip as e:
            print(f'ok {num} {name} # SKIP {e}')
        except Exception as e:	# Fail, or a bug or an unexpected output
            diag(f'{type(e).__name__}: {e}' if not isinstance(e, Fail) else str(e))
            print(f'not ok {num} {name}')
            failed += 1
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(run())
