#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""
memstat (user/memstat, build/user/memstat) against the running module.

  commands  every command and format runs: the text view, --bytes, --iec,
            --json, --prometheus, --format=pprof, classes, cpus, nodes,
            explain, watch, monitor, gc, limit, fields, help;
  numbers   the JSON (and --bytes text, Prometheus, pprof) values equal
            /proc/memstats on a quiescent system; --proc reads the same;
            the /proc/memstats parser finds statistics by name and columns
            by the header, skips what it does not know, refuses what is
            malformed, and the humanised forms follow go-humanize;
  nodes     one row per possible memory node, text, --bytes, JSON and
            Prometheus; on a quiescent system the nodes' heap gauges add
            up to HeapSys, HeapInuse, HeapIdle, HeapReleased, HeapArenas
            and MSpanSys of /proc/memstats and of 'memstat --json';
  arenas    a /dev/memarena file's arena is listed with its objects, bytes,
            spans and span bytes, in text, JSON and Prometheus (promtool),
            and gone once the file is closed;
  formats   --prometheus passes 'promtool check metrics' and has every
            go_memstats_* metric client_golang exports; --format=pprof has
            Go's '# runtime.MemStats' lines in Go's order; 'watch -n 3'
            prints 3 lines; the parts of 'explain' add up to Sys exactly;
  go        explain --go on a real Go program's output (build/selftests/
            goheap, built on the host): its /debug/pprof/heap?debug=1 file,
            its expvar /debug/vars JSON, each from a file and from stdin, and
            both fetched over HTTP on 127.0.0.1 with urllib: the parts add up
            to the program's Sys and each equals its formula over the same
            input's numbers, the answers quote them, the words are Go's;
            malformed input (empty, random text, JSON without memstats, a
            block without HeapSys, broken identities, no such file) exits 1
            with one line;
  errors    usage errors exit 2, kernel errors 1 with the kernel's extack
            message, a missing module 1 with one line saying how to load it
            (memarena is unloaded and loaded again for that, last);
  admin     gc and limit, which SKIP while the kernel answers EOPNOTSUPP;
            monitor sees the cycle gc forces;
  withheld  a /proc/memstats whose BySize is withheld: classes fails with
            one line naming CAP_SYS_ADMIN and stats_public, exit 1; --json
            has BySize null;
  nobody    without CAP_SYS_ADMIN (and stats_public off) the statistics
            still come, over netlink and --proc, in text, JSON and
            Prometheus, with a note for what is withheld (BySize null,
            no per-class or per-CPU metric, explain without span tails);
            classes, cpus and arenas fail with one line naming
            CAP_SYS_ADMIN and stats_public, exit 1; with stats_public=1
            they work; nodes works for nobody either way;
  man page  user/memstat.8 renders without warnings and covers every
            command, option and statistic.

Runs from selftests/run_tests inside the test VM with memarena loaded, from
the repository root.  Prints TAP; exits 0 when every case passed or
skipped, 1 otherwise, 4 (all skipped) when memstat is not built.  Leaves
memarena loaded and the system quiescent.
"""

import ctypes
import fcntl
import json
import os
import re
import select
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)

MEMSTAT = os.environ.get('MEMSTAT', 'build/user/memstat')
GOHEAP = os.environ.get('GOHEAP', 'build/selftests/goheap')
MODULE = 'module/memarena.ko'
MANPAGE = 'user/memstat.8'
PROC = '/proc/memstats'
STATS_PUBLIC = '/sys/module/memarena/parameters/stats_public'
NOBODY = 65534
QUIESCENT_TRIES = 5
WAIT_S = 60		# for a condition: only a hang takes that long
NUM_CLASSES = 67

COMMANDS = ['arenas', 'classes', 'cpus', 'explain', 'fields', 'gc', 'help',
            'limit', 'monitor', 'nodes', 'profile', 'profile-rate', 'show', 'watch']

# memstat nodes: its JSON keys, and the node gauges that add up to a
# statistic of /proc/memstats (the global heap is the sum of the nodes').
NODE_KEYS = ['node', 'memory', 'heap_sys', 'heap_inuse', 'heap_idle', 'heap_released',
             'heap_arenas', 'spans', 'mspan_sys']
NODE_SUMS = {'heap_sys': 'HeapSys', 'heap_inuse': 'HeapInuse', 'heap_idle': 'HeapIdle',
             'heap_released': 'HeapReleased', 'heap_arenas': 'HeapArenas',
             'mspan_sys': 'MSpanSys'}

# client_golang's go_memstats_* metrics (prometheus/go_collector.go):
# name -> type.  lookups_total and gc_cpu_fraction are those of its older
# releases, still charted by older dashboards.
GO_METRICS = {
    'go_memstats_alloc_bytes': 'gauge',
    'go_memstats_alloc_bytes_total': 'counter',
    'go_memstats_sys_bytes': 'gauge',
    'go_memstats_mallocs_total': 'counter',
    'go_memstats_frees_total': 'counter',
    'go_memstats_heap_alloc_bytes': 'gauge',
    'go_memstats_heap_sys_bytes': 'gauge',
    'go_memstats_heap_idle_bytes': 'gauge',
    'go_memstats_heap_inuse_bytes': 'gauge',
    'go_memstats_heap_released_bytes': 'gauge',
    'go_memstats_heap_objects': 'gauge',
    'go_memstats_stack_inuse_bytes': 'gauge',
    'go_memstats_stack_sys_bytes': 'gauge',
    'go_memstats_mspan_inuse_bytes': 'gauge',
    'go_memstats_mspan_sys_bytes': 'gauge',
    'go_memstats_mcache_inuse_bytes': 'gauge',
    'go_memstats_mcache_sys_bytes': 'gauge',
    'go_memstats_buck_hash_sys_bytes': 'gauge',
    'go_memstats_gc_sys_bytes': 'gauge',
    'go_memstats_other_sys_bytes': 'gauge',
    'go_memstats_next_gc_bytes': 'gauge',
    'go_memstats_last_gc_time_seconds': 'gauge',
    'go_memstats_lookups_total': 'counter',
    'go_memstats_gc_cpu_fraction': 'gauge',
}
# metric -> the /proc/memstats statistic it carries (integers only)
GO_METRIC_STAT = {
    'go_memstats_alloc_bytes': 'Alloc', 'go_memstats_alloc_bytes_total': 'TotalAlloc',
    'go_memstats_sys_bytes': 'Sys', 'go_memstats_mallocs_total': 'Mallocs',
    'go_memstats_frees_total': 'Frees', 'go_memstats_heap_alloc_bytes': 'HeapAlloc',
    'go_memstats_heap_sys_bytes': 'HeapSys', 'go_memstats_heap_idle_bytes': 'HeapIdle',
    'go_memstats_heap_inuse_bytes': 'HeapInuse',
    'go_memstats_heap_released_bytes': 'HeapReleased',
    'go_memstats_heap_objects': 'HeapObjects',
    'go_memstats_stack_inuse_bytes': 'StackInuse', 'go_memstats_stack_sys_bytes': 'StackSys',
    'go_memstats_mspan_inuse_bytes': 'MSpanInuse', 'go_memstats_mspan_sys_bytes': 'MSpanSys',
    'go_memstats_mcache_inuse_bytes': 'MCacheInuse',
    'go_memstats_mcache_sys_bytes': 'MCacheSys',
    'go_memstats_buck_hash_sys_bytes': 'BuckHashSys', 'go_memstats_gc_sys_bytes': 'GCSys',
    'go_memstats_other_sys_bytes': 'OtherSys', 'go_memstats_next_gc_bytes': 'NextGC',
    'go_memstats_lookups_total': 'Lookups',
}

# Go's writeHeapInternal() (src/runtime/pprof/pprof.go), in its order:
# the line's name and how its value looks.
PPROF_LINES = [
    ('Alloc', 'int'), ('TotalAlloc', 'int'), ('Sys', 'int'), ('Lookups', 'int'),
    ('Mallocs', 'int'), ('Frees', 'int'),
    ('HeapAlloc', 'int'), ('HeapSys', 'int'), ('HeapIdle', 'int'),
    ('HeapInuse', 'int'), ('HeapReleased', 'int'), ('HeapObjects', 'int'),
    ('Stack', 'pair'), ('MSpan', 'pair'), ('MCache', 'pair'),
    ('BuckHashSys', 'int'), ('GCSys', 'int'), ('OtherSys', 'int'),
    ('NextGC', 'int'), ('LastGC', 'int'), ('PauseNs', 'ring'), ('PauseEnd', 'ring'),
    ('NumGC', 'int'), ('NumForcedGC', 'int'), ('GCCPUFraction', 'float'),
    ('DebugGC', 'bool'),
]
PPROF_PAIRS = {'Stack': ('StackInuse', 'StackSys'), 'MSpan': ('MSpanInuse', 'MSpanSys'),
               'MCache': ('MCacheInuse', 'MCacheSys')}

# /proc/memstats statistics that are booleans in the JSON (Go's bool fields)
BOOLS = {'EnableGC', 'DebugGC'}


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def diag(text):
    for line in str(text).rstrip('\n').split('\n'):
        print('# ' + line if line else '#')


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def memstat(*args, rc=0, env=None, user=None, timeout=60, input=None):
    """Run memstat (@input on its stdin); check its exit status; return (stdout, stderr)."""
    cmd = [MEMSTAT, *args]
    if user:
        cmd = ['setpriv', '--reuid', str(user), '--regid', str(user),
               '--clear-groups', *cmd]
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=timeout,
                       input=input)
    if rc is not None and p.returncode != rc:
        raise Fail(f'{" ".join(cmd)}: exit {p.returncode}, expected {rc}\n'
                   f'stdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}')
    return p.stdout, p.stderr


def memstat_json(*args):
    out, _ = memstat(*args, '--json')
    try:
        return json.loads(out)
    except ValueError as e:
        raise Fail(f'memstat {" ".join(args)} --json: not JSON ({e}): {out[:300]!r}')


def parse_proc_text(text, name=PROC):
    """/proc/memstats text as ({Name: int}, [BySize rows as dicts])."""
    scalars, rows, cols, section = {}, [], None, 'scalars'
    for line in text.splitlines():
        if line.startswith('# BySize'):
            section = 'classes'
            continue
        if line.startswith('#') or not line.strip():
            continue
        fields = line.split()
        if section == 'scalars':
            key, value = fields
            if '.' in value:			# GCCPUFraction: parts per 10^9
                whole, frac = value.split('.')
                scalars[key] = int(whole) * 10**9 + int(frac.ljust(9, '0')[:9])
            else:
                scalars[key] = int(value)
        elif cols is None:
            cols = fields
        else:
            rows.append(dict(zip(cols, map(int, fields))))
    return scalars, rows


def read_proc():
    try:
        with open(PROC) as f:
            return parse_proc_text(f.read())
    except OSError as e:
        raise Fail(f'{PROC}: {e}')


def quiescent(query):
    """query() between two equal reads of /proc/memstats: (that read,
    query's result); fails if /proc/memstats kept changing.  Each try
    starts with a forced cycle: with nothing allocating only a reclaim
    cycle moves the statistics, and after a forced one the background
    scavenger has nothing left to do."""
    for _ in range(QUIESCENT_TRIES):
        memstat('gc', rc=None)
        before = read_proc()
        result = query()
        if read_proc() == before:
            return before, result
        time.sleep(0.2)
    raise Fail(f'{PROC} kept changing during {QUIESCENT_TRIES} tries: '
               'the system is not quiescent')


def json_equals_proc(obj, scalars, what):
    bad = []
    for key, want in scalars.items():
        got = obj.get(key)
        if key in BOOLS:
            got = int(got) if isinstance(got, bool) else got
        elif key == 'GCCPUFraction' and isinstance(got, (int, float)):
            got = round(got * 1e9)
        if got != want:
            bad.append(f'{key}: {what} {obj.get(key)!r}, {PROC} {want}')
    check(not bad, '\n'.join(bad))


def need_module():
    if not os.path.exists(PROC):
        raise Skip('memarena is not loaded')


def id_list(path):
    """A sysfs list such as 0-3,5 as a set of numbers."""
    with open(path) as f:
        text = f.read().strip()
    ids = set()
    for part in filter(None, text.split(',')):
        lo, _, hi = part.partition('-')
        ids.update(range(int(lo), int(hi or lo) + 1))
    return ids


def possible_cpus():
    return id_list('/sys/devices/system/cpu/possible')


NODE_SYSFS = '/sys/devices/system/node'


def possible_nodes():
    """The possible memory nodes; node 0 alone on a kernel without NUMA."""
    path = os.path.join(NODE_SYSFS, 'possible')
    return id_list(path) if os.path.exists(path) else {0}


def cpu_node(cpu):
    """The node of a CPU: its nodeN link in sysfs; 0 without NUMA."""
    for name in os.listdir(f'/sys/devices/system/cpu/cpu{cpu}'):
        m = re.fullmatch(r'node(\d+)', name)
        if m:
            return int(m.group(1))
    return 0


def memory_nodes():
    path = os.path.join(NODE_SYSFS, 'has_memory')
    return id_list(path) if os.path.exists(path) else {0}


def scratch():
    if 'tmp' not in _state:
        _state['tmp'] = tempfile.mkdtemp(prefix='memstat_test.')
    return _state['tmp']


_state = {}


# --- commands and formats ----------------------------------------------------

def t_help():
    out, _ = memstat('--help')
    check(out.startswith('Usage: memstat'), 'no usage line')
    for c in COMMANDS:
        check(re.search(rf'^  {c}\b', out, re.M), f'--help does not list {c}')
    for opt in ('--json', '--prometheus', '--csv', '--format', '--bytes', '--iec',
                '--output', '--proc', '--interval', '--count', '--sort', '--go'):
        check(opt in out, f'--help does not mention {opt}')
    out, _ = memstat('watch', '--help')
    check('watch [-i INTERVAL] [-n COUNT] [FIELD...]' in out, 'watch --help')
    out, _ = memstat('help', 'classes')
    check('classes [-s FIELD]' in out, 'help classes')
    out, _ = memstat('help', 'explain')
    check('explain [--go FILE]' in out, 'help explain')
    memstat('-V')


def t_fields():
    scalars, _ = read_proc() if os.path.exists(PROC) else ({}, [])
    out, _ = memstat('fields')
    names = re.findall(r'^  (\w+)', out, re.M)
    for key in scalars:
        check(key in names, f'fields does not list {key}')
    obj = memstat_json('fields')
    listed = [f['name'] for f in obj['fields']]
    check(listed == names, 'fields: text and JSON list different names')
    check('PauseNs' in listed and 'PauseEnd' in listed, 'fields: no rings')


def t_text():
    need_module()
    scalars, _ = read_proc()
    out, _ = memstat()
    names = re.findall(r'^  (\w+) ', out, re.M)
    order = [n for n in names if n in scalars]
    check(order == list(scalars), f'text view: names or order differ from {PROC}:\n'
          f'{order}\n{list(scalars)}')
    for key in ('Sys', 'HeapSys', 'MCacheSys', 'MCacheBound'):
        m = re.search(rf'^  {key} +(\S+(?: \S+)?)$', out, re.M)
        check(m and re.fullmatch(r'\d+(\.\d)? (B|kB|MB|GB|TB)', m.group(1)),
              f'{key} is not humanised the go-humanize way: {m and m.group(1)!r}')
    out, _ = memstat('--iec')
    m = re.search(r'^  MCacheBound +(.+)$', out, re.M)
    check(m and re.fullmatch(r'\d+(\.\d)? (B|KiB|MiB|GiB)', m.group(1)),
          f'--iec MCacheBound: {m and m.group(1)!r}')


def t_bytes_equal_proc():
    need_module()
    (scalars, _), out = quiescent(lambda: memstat('--bytes')[0])
    got = {}
    for line in out.splitlines():
        m = re.match(r'^  (\w+) +(\S+)$', line)
        if m and m.group(1) in scalars:
            v = m.group(2)
            if v in ('true', 'false'):
                v = int(v == 'true')
            elif '.' in v:
                w, f = v.split('.')
                v = int(w) * 10**9 + int(f.ljust(9, '0'))
            got[m.group(1)] = int(v)
    check(got == scalars, f'--bytes values differ from {PROC}: '
          f'{ {k: (got.get(k), v) for k, v in scalars.items() if got.get(k) != v} }')


def t_json_equal_proc():
    need_module()
    (scalars, rows), obj = quiescent(lambda: memstat_json())
    json_equals_proc(obj, scalars, 'JSON')
    for ring in ('PauseNs', 'PauseEnd'):
        check(isinstance(obj.get(ring), list) and len(obj[ring]) == 256,
              f'{ring} is not an array of 256')
    check(isinstance(obj['EnableGC'], bool), 'EnableGC is not a boolean')
    check(isinstance(obj['GCCPUFraction'], (int, float)), 'GCCPUFraction is not a number')
    by = obj.get('BySize')
    check(isinstance(by, list) and len(by) == NUM_CLASSES, 'BySize is not 67 entries')
    want = [{'Size': r['size'], 'Mallocs': r['mallocs'], 'Frees': r['frees']} for r in rows]
    check(by == want, 'BySize differs from /proc/memstats')


def t_proc_equal_netlink():
    need_module()
    _, (nl, pr) = quiescent(lambda: (memstat_json(), memstat_json('--proc')))
    for key, v in pr.items():
        if key in ('PauseNs', 'PauseEnd'):
            check(v is None, f'--proc: {key} should be null (not in {PROC})')
        else:
            check(nl.get(key) == v, f'--proc {key} {v!r}, netlink {nl.get(key)!r}')
    _, (a, b) = quiescent(lambda: (memstat_json('classes'),
                                   memstat_json('classes', '--proc')))
    check(a == b, 'classes: --proc and netlink differ')


PROC_SAMPLE = """# memarena 1
Alloc 428032
TotalAlloc 1234567
Sys 999960
Lookups 0
Mallocs 1234567
Frees 7
FutureStat 42
HeapAlloc 9
HeapSys 1048576
PauseTotalNs 1500000
GCCPUFraction 0.000123000
EnableGC 1
MCacheBound 1303520
# BySize
size class spans unknown_col mallocs frees live_objects live_bytes span_bytes span_objects cached_objects
8 1 2 99 10 4 6 48 8192 1024 3
16 2 0 99 5 5 0 0 8192 512 0
# Future
anything goes here 1 2 3
"""


def t_proc_parser():
    d = scratch()
    path = os.path.join(d, 'sample')
    with open(path, 'w') as f:
        f.write(PROC_SAMPLE)
    obj = memstat_json(f'--proc={path}')
    want = {'Alloc': 428032, 'TotalAlloc': 1234567, 'Sys': 999960, 'Lookups': 0,
            'Mallocs': 1234567, 'Frees': 7, 'HeapAlloc': 9, 'HeapSys': 1048576,
            'PauseTotalNs': 1500000, 'EnableGC': True, 'MCacheBound': 1303520}
    for k, v in want.items():
        check(obj.get(k) == v, f'--proc {k}: {obj.get(k)!r}, want {v!r}')
    check(abs(obj['GCCPUFraction'] - 0.000123) < 1e-12, 'GCCPUFraction')
    check(obj.get('HeapIdle', 'missing') is None, 'a statistic the file lacks is not null')
    check('FutureStat' not in obj, 'an unknown statistic was not skipped')
    check(obj['BySize'] == [{'Size': 8, 'Mallocs': 10, 'Frees': 4},
                            {'Size': 16, 'Mallocs': 5, 'Frees': 5}], 'BySize by header')
    cl = memstat_json(f'--proc={path}', 'classes')['classes']
    check(cl[0]['class'] == 1 and cl[0]['spans'] == 2 and cl[0]['cached_objects'] == 3
          and cl[0]['span_objects'] == 1024 and abs(cl[0]['util'] - 48 / 16384) < 1e-9,
          f'classes from a reordered header: {cl[0]}')
    check(cl[1]['util'] is None, 'a class without spans has a utilisation')
    # The humanised forms, go-humanize's and Go's
    out, _ = memstat(f'--proc={path}')
    for key, text in (('Alloc', '428 kB'), ('TotalAlloc', '1.2 MB'), ('Sys', '1000 kB'),
                      ('HeapAlloc', '9 B'), ('Mallocs', '1,234,567'),
                      ('PauseTotalNs', '1.5ms'), ('GCCPUFraction', '0.01%'),
                      ('HeapIdle', '-')):
        check(re.search(rf'^  {key} +{re.escape(text)}$', out, re.M),
              f'text {key} is not {text!r}')
    out, _ = memstat(f'--proc={path}', '--iec')
    check(re.search(r'^  HeapSys +1\.0 MiB$', out, re.M), '--iec HeapSys is not 1.0 MiB')
    # Malformed files
    for name, text, msg in (
            ('noheader', 'Alloc 1\n', 'not a memarena statistics file'),
            ('badvalue', '# memarena 1\nAlloc x1\n', 'bad value'),
            ('badrow', '# memarena 1\n# BySize\nclass size\n1 8 9\n', 'does not match'),
            ('noclass', '# memarena 1\n# BySize\nsize\n8\n', 'no "class" column'),
            ('empty', '', 'empty')):
        p = os.path.join(d, name)
        with open(p, 'w') as f:
            f.write(text)
        _, err = memstat(f'--proc={p}', rc=1)
        check(msg in err, f'{name}: {err!r}')
    _, err = memstat(f'--proc={d}/missing', rc=1)
    check('No such file' in err, f'missing file: {err!r}')


def t_classes():
    need_module()
    out, _ = memstat('classes')
    lines = out.splitlines()
    check(lines[0].split()[:2] == ['CLASS', 'SIZE'], f'header: {lines[0]!r}')
    check(len(lines) == NUM_CLASSES + 2 and lines[-1].startswith('total'),
          f'{len(lines)} lines, want a header, 67 classes and a total')
    (_, rows), obj = quiescent(lambda: memstat_json('classes'))
    got = obj['classes']
    check(len(got) == NUM_CLASSES, 'JSON: not 67 classes')
    for g, r in zip(got, rows):
        for col, v in r.items():
            check(g.get(col) == v, f'class {r["class"]} {col}: {g.get(col)} != {v}')
        span = r['spans'] * r['span_bytes']
        want = r['live_bytes'] / span if span else None
        check(g['util'] == want or (want is not None and abs(g['util'] - want) < 1e-9),
              f'class {r["class"]} util {g["util"]}, want {want}')
    for col in ('live_objects', 'live_bytes', 'mallocs', 'frees', 'spans', 'cached_objects'):
        check(obj['total'][col] == sum(r[col] for r in rows), f'total {col}')
    for key, col in (('live', 'live_bytes'), ('mallocs', 'mallocs'), ('spans', 'spans')):
        s = memstat_json('classes', '-s', key)['classes']
        vals = [c[col] for c in s]
        check(vals == sorted(vals, reverse=True), f'-s {key} is not sorted biggest first')
    s = memstat_json('classes', '--sort=size')['classes']
    check([c['size'] for c in s] == sorted(c['size'] for c in s), '-s size')
    _, err = memstat('classes', '-s', 'bogus', rc=2)
    check('unknown sort field' in err, err)


def t_cpus():
    need_module()
    out, _ = memstat('cpus')
    lines = out.splitlines()
    cpus = possible_cpus()
    check(len(lines) == len(cpus) + 2, f'cpus: {len(lines)} lines for {len(cpus)} CPUs')
    (scalars, _), obj = quiescent(lambda: memstat_json('cpus'))
    check({c['cpu'] for c in obj['cpus']} == cpus, 'cpus: not the possible CPUs')
    for col, key in (('mallocs', 'Mallocs'), ('frees', 'Frees'),
                     ('cached_objects', 'CachedObjects'), ('cached_bytes', 'CachedBytes')):
        total = sum(c[col] for c in obj['cpus'])
        check(total == scalars[key] and obj['total'][col] == total,
              f'sum of per-CPU {col} {total} != {key} {scalars[key]}')
    _, err = memstat('cpus', '--proc', rc=2)
    check('needs netlink' in err, err)


class DevFile:
    """An open /dev/memarena: its arena is named after this process
    (comm:pid); alloc() puts objects in it (no MEMARENA_DEV_F_CPU)."""
    ALLOC = (3 << 30) | (64 << 16) | (0xBA << 8) | 0x01	# _IOWR(0xBA, 1, 64 bytes)

    def __init__(self):
        self.fd = os.open('/dev/memarena', os.O_RDWR)
        with open('/proc/self/comm') as f:
            self.name = f'{f.read().strip()}:{os.getpid()}'

    def alloc(self, size, n, cpu=None):
        """n objects of size bytes; on CPU cpu's cache if given (MEMARENA_DEV_F_CPU)."""
        ops = (ctypes.c_uint64 * (2 * n))()
        for i in range(n):
            ops[2 * i] = size
        flags, on = (0, 0) if cpu is None else (1, cpu)
        cmd = bytearray(struct.pack('8Q', ctypes.addressof(ops), n, flags, on, 0, 0, 0, 0))
        got = fcntl.ioctl(self.fd, self.ALLOC, cmd)
        check(got == n, f'/dev/memarena ALLOC of {n} x {size}: {got}')

    def close(self):
        os.close(self.fd)


def t_arenas():
    need_module()
    spans = {c['size']: c['span_bytes'] for c in memstat_json('classes')['classes']}
    f = DevFile()
    try:
        f.alloc(100, 10)		# class 112, one span
        f.alloc(40000, 1)		# large: 10 pages
        obj = memstat_json('arenas')
        mine = [a for a in obj['arenas'] if a['name'] == f.name]
        check(len(mine) == 1, f'arenas: {f.name} not listed once: {obj["arenas"]}')
        a = mine[0]
        want = {'live_objects': 11, 'live_bytes': 10 * 112 + 40960, 'mallocs': 11,
                'frees': 0, 'spans': 2, 'span_bytes': spans[112] + 40960}
        for k, v in want.items():
            check(a[k] == v, f'arenas: {f.name} {k} {a[k]}, not {v}')
        check(abs(a['created'] / 1e9 - time.time()) < 600, f'arenas: created {a["created"]}')
        ids = [x['id'] for x in obj['arenas']]
        check(ids == sorted(ids), f'arenas: not in order of creation: {ids}')
        for k in ('live_objects', 'live_bytes', 'mallocs', 'frees', 'spans', 'span_bytes'):
            check(obj['total'][k] == sum(x[k] for x in obj['arenas']), f'arenas: total {k}')
        out, _ = memstat('arenas')
        check(len(out.splitlines()) == len(obj['arenas']) + 2 and f.name in out,
              f'arenas: text {out!r}')
        out, _ = memstat('arenas', '--prometheus')
        series = f'memarena_arena_live_objects{{arena="{f.name}",id="{a["id"]}"}} 11'
        check(series in out.splitlines(), f'arenas --prometheus lacks {series!r}')
        if shutil.which('promtool'):
            p = subprocess.run(['promtool', 'check', 'metrics'], input=out,
                               capture_output=True, text=True)
            check(p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(),
                  f'arenas: promtool check metrics: exit {p.returncode}\n{p.stdout}{p.stderr}')
    finally:
        f.close()
    obj = memstat_json('arenas')
    check(all(x['name'] != f.name for x in obj['arenas']),
          f'arenas: {f.name} still listed after close')
    _, err = memstat('arenas', '--proc', rc=2)
    check('needs netlink' in err, err)


def t_nodes():
    need_module()
    nodes = possible_nodes()
    check(nodes, 'no possible node in sysfs')
    # Text: a heading, one line per possible node, a total line.
    out, _ = memstat('nodes')
    lines = out.splitlines()
    check(lines and lines[0].split()[:2] == ['NODE', 'MEMORY'], f'nodes: heading {out!r}')
    check(len(lines) == len(nodes) + 2 and lines[-1].startswith('total'),
          f'nodes: {len(lines)} lines for {len(nodes)} nodes:\n{out}')
    check({int(x.split()[0]) for x in lines[1:-1]} == nodes,
          f'nodes: text rows are not the possible nodes {sorted(nodes)}:\n{out}')
    # JSON, with the statistics, between two equal reads of /proc/memstats,
    # while objects allocated on every online CPU keep spans in use on
    # the CPUs' nodes (a forced cycle gives the rest back).
    f = DevFile()
    try:
        online = sorted(id_list('/sys/devices/system/cpu/online'))
        for cpu in online:
            f.alloc(100, 10, cpu=cpu)
            f.alloc(40000, 1, cpu=cpu)
        (scalars, _), (obj, show) = quiescent(lambda: (memstat_json('nodes'),
                                                       memstat_json()))
    finally:
        f.close()
    rows = obj['nodes']
    check(scalars['HeapSys'] > 0, f'HeapSys is 0 with objects allocated: {scalars}')
    by_node = {r['node']: r for r in rows}
    for cpu in online:
        r = by_node.get(cpu_node(cpu), {})
        check(r.get('heap_inuse', 0) > 0 and r.get('spans', 0) >= 2,
              f'CPU {cpu} allocated, but its node {cpu_node(cpu)} has no span in use: {rows}')
    check(rows, 'nodes --json: no node')
    for r in rows:
        check(list(r) == NODE_KEYS, f'nodes --json: keys {list(r)}, want {NODE_KEYS}')
        check(all(isinstance(r[k], int) and not isinstance(r[k], bool)
                  for k in NODE_KEYS if k != 'memory') and isinstance(r['memory'], bool),
              f'nodes --json: types {r}')
        check(r['heap_idle'] == r['heap_sys'] - r['heap_inuse'] and
              r['heap_released'] <= r['heap_idle'], f'node {r["node"]}: gauges {r}')
    check([r['node'] for r in rows] == sorted(nodes),
          f'nodes --json: nodes {[r["node"] for r in rows]}, possible {sorted(nodes)}')
    check({r['node'] for r in rows if r['memory']} == memory_nodes() & nodes,
          f'nodes --json: memory {[(r["node"], r["memory"]) for r in rows]}, '
          f'has_memory {sorted(memory_nodes())}')
    for key, stat_name in NODE_SUMS.items():
        total = sum(r[key] for r in rows)
        check(obj['total'][key] == total, f'nodes: total {key} {obj["total"][key]}, sum {total}')
        check(total == scalars[stat_name] == show[stat_name],
              f'sum over nodes of {key} {total} != {stat_name}: {PROC} '
              f'{scalars[stat_name]}, memstat --json {show[stat_name]}')
    # A heap grows only with its node's own pages.
    check(all(r['heap_sys'] == 0 for r in rows if not r['memory']),
          f'nodes: a node without memory has heap: {rows}')
    # --bytes: the text's HEAP SYS column adds up the same.
    (scalars, _), out = quiescent(lambda: memstat('nodes', '--bytes')[0])
    cols = [x.split() for x in out.splitlines()[1:-1]]
    check(sum(int(c[2]) for c in cols) == scalars['HeapSys'] ==
          int(out.splitlines()[-1].split()[1]),
          f'nodes --bytes: HEAP SYS does not add up to HeapSys {scalars["HeapSys"]}:\n{out}')
    # Prometheus: one series per node and gauge.
    out, _ = memstat('nodes', '--prometheus')
    samples = prom_samples(out)
    for n in nodes:
        for metric in ('has_memory', 'heap_sys_bytes', 'heap_inuse_bytes', 'heap_idle_bytes',
                       'heap_released_bytes', 'heap_arenas', 'spans', 'mspan_sys_bytes'):
            check(f'memarena_node_{metric}{{node="{n}"}}' in samples,
                  f'nodes --prometheus lacks memarena_node_{metric}{{node="{n}"}}')
    check('go_memstats' not in out and 'memarena_cpu' not in out, 'nodes --prometheus: others')
    if shutil.which('promtool'):
        p = subprocess.run(['promtool', 'check', 'metrics'], input=out,
                           capture_output=True, text=True)
        check(p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(),
              f'nodes: promtool check metrics: exit {p.returncode}\n{p.stdout}{p.stderr}')
    # Usage errors.
    for args, msg in ((['nodes', 'extra'], "'nodes' takes no arguments"),
                      (['nodes', '--proc'], 'needs netlink'),
                      (['nodes', '-s', 'heap_sys'], 'does not take'),
                      (['nodes', '--format=pprof'], 'cannot print pprof')):
        out, err = memstat(*args, rc=2)
        check(not out and msg in err and 'memstat --help' in err,
              f'memstat {" ".join(args)}: {err!r}')


EXPLAIN_PARTS = ['heap objects', 'heap unused', 'heap free', 'heap released',
                 'span metadata', 'cache metadata', 'GC metadata', 'other']


def t_explain():
    need_module()
    out, _ = memstat('explain')
    for text in ('heap objects', 'heap unused', 'heap free', 'heap released',
                 'span metadata', 'cache metadata', 'GC metadata', 'other', '= Sys',
                 'Why is HeapInuse', 'Why can HeapInuse be bigger than TotalAlloc'):
        check(text in out, f'explain does not say {text!r}')
    (scalars, classes), obj = quiescent(lambda: memstat_json('explain'))
    check(obj['source'] == 'memarena', f'explain: source {obj["source"]!r}')
    parts = obj['parts']
    check([p['name'] for p in parts] == EXPLAIN_PARTS, 'explain: parts')
    total = sum(p['bytes'] for p in parts)
    check(total == obj['Sys'] == scalars['Sys'] == obj['sum'],
          f'parts add up to {total}, Sys is {obj["Sys"]} ({PROC}: {scalars["Sys"]})')
    s = scalars
    check(parts[0]['bytes'] == s['HeapAlloc'] and
          parts[1]['bytes'] == s['HeapInuse'] - s['HeapAlloc'] and
          parts[2]['bytes'] == s['HeapIdle'] - s['HeapReleased'] and
          parts[3]['bytes'] == s['HeapReleased'], 'explain: heap parts')
    for p in parts:
        check(p['description'].endswith('.') and p['fields'] and p['metric'],
              f'part {p["name"]} lacks its sentence')
    w = obj['heap_inuse_over_heap_alloc']
    check(w['difference'] == s['HeapInuse'] - s['HeapAlloc'] ==
          w['cached_bytes'] + w['span_tails'] + w['free_slots'], f'HeapInuse - HeapAlloc: {w}')
    e = obj['heap_inuse_over_total_alloc']
    check(e['heap_inuse_is_bigger'] == (s['HeapInuse'] > s['TotalAlloc']), f'early: {e}')
    live = sum(1 for c in classes if c['live_objects'])
    check(e['classes_with_objects'] == live, f'early: {e}; {live} classes with objects')


# --- explain --go: a Go program's numbers --------------------------------------

def explain_formulas(m):
    """The parts of explain, by their formulas over MemStats @m."""
    return [m['HeapAlloc'], m['HeapInuse'] - m['HeapAlloc'],
            m['HeapIdle'] - m['HeapReleased'], m['HeapReleased'], m['MSpanSys'],
            m['MCacheSys'], m['GCSys'], m['OtherSys'] + m['StackSys'] + m['BuckHashSys']]


def go_heap_memstats(text):
    """The integers of a heap profile's '# runtime.MemStats' block."""
    block = text.split('\n# runtime.MemStats\n', 1)
    check(len(block) == 2, 'heap profile without a runtime.MemStats block')
    m = {}
    for name, value in re.findall(r'^# (\w+) = (.*)$', block[1], re.M):
        if name in PPROF_PAIRS:
            inuse, sys_ = value.split(' / ')
            m[PPROF_PAIRS[name][0]], m[PPROF_PAIRS[name][1]] = int(inuse), int(sys_)
        elif re.fullmatch(r'\d+', value):
            m[name] = int(value)
    return m


def goheap_files():
    """Run goheap once: (heap profile path, its MemStats, vars path, its JSON)."""
    if not os.access(GOHEAP, os.X_OK):
        raise Skip(f'{GOHEAP} not built (golang-go)')
    if 'goheap' not in _state:
        d = scratch()
        heap, vars_ = os.path.join(d, 'heap.txt'), os.path.join(d, 'vars.json')
        p = subprocess.run([GOHEAP, '-n', '3', '-heap', heap, '-vars', vars_],
                           capture_output=True, text=True, timeout=WAIT_S)
        check(p.returncode == 0 and p.stdout.count('HeapInuse = ') == 3,
              f'goheap: exit {p.returncode} {p.stdout!r} {p.stderr!r}')
        with open(heap) as f:
            hm = go_heap_memstats(f.read())
        with open(vars_) as f:
            vj = json.load(f)
        _state['goheap'] = heap, hm, vars_, vj
    return _state['goheap']


def check_explain_go(args, m, bysize, stdin=None, what=''):
    """explain --go ARGS against MemStats @m (and BySize, or None)."""
    what = what or ' '.join(args)
    out, err = memstat('explain', '--go', *args, '--json', input=stdin)
    obj = json.loads(out)
    check(obj['source'] == 'go', f'{what}: source {obj["source"]!r}')
    parts = obj['parts']
    check([p['name'] for p in parts] == EXPLAIN_PARTS, f'{what}: parts')
    want = explain_formulas(m)
    check([p['bytes'] for p in parts] == want,
          f'{what}: parts {[p["bytes"] for p in parts]}, MemStats say {want}')
    check(sum(want) == obj['sum'] == obj['Sys'] == m['Sys'],
          f'{what}: parts add up to {obj["sum"]}, Sys is {m["Sys"]}')
    w = obj['heap_inuse_over_heap_alloc']
    check(w['difference'] == m['HeapInuse'] - m['HeapAlloc'] and
          w['heap_inuse'] == m['HeapInuse'] and w['heap_alloc'] == m['HeapAlloc'] and
          w['cached_bytes'] is None and w['span_tails'] is None and w['free_slots'] is None,
          f'{what}: HeapInuse - HeapAlloc: {w}')
    e = obj['heap_inuse_over_total_alloc']
    check(e['total_alloc'] == m['TotalAlloc'] and
          e['heap_inuse_is_bigger'] == (m['HeapInuse'] > m['TotalAlloc']) and
          e['classes_with_spans'] is None, f'{what}: early on: {e}')
    live = None if bysize is None else sum(1 for c in bysize if c['Mallocs'] > c['Frees'])
    check(e['classes_with_objects'] == live,
          f'{what}: classes_with_objects {e["classes_with_objects"]}, BySize says {live}')
    # Without BySize one note says what the input lacks; never memarena's.
    if bysize is None:
        check(err.count('\n') == 1 and 'note:' in err and 'BySize' in err, f'{what}: {err!r}')
    else:
        check(not err, f'{what}: stderr {err!r}')
    check('CAP_SYS_ADMIN' not in err and 'withheld' not in err, f'{what}: {err!r}')

    # The text, exact (--bytes): the same parts, the answers quote the numbers.
    out, _ = memstat('explain', '--go', *args, '--bytes', input=stdin)
    rows = re.findall(r'^  (\w[\w ]*?) +(\d+) +[\d.]+%  ', out, re.M)
    check(rows == list(zip(EXPLAIN_PARTS + ['total'], map(str, want + [m['Sys']]))),
          f'{what}: text parts {rows}')
    for text in (f'Sys is {m["Sys"]}: the memory this Go program has obtained from the OS',
                 f'Why is HeapInuse ({m["HeapInuse"]}) bigger than HeapAlloc ({m["HeapAlloc"]})?',
                 f'Here the {m["HeapInuse"] - m["HeapAlloc"]}\n',
                 '8 KiB pages', '= Sys', 'Why can HeapInuse be bigger than TotalAlloc'):
        check(text in out, f'{what}: text does not say {text!r}:\n{out}')
    if m['HeapInuse'] > m['TotalAlloc']:
        text = f'HeapInuse ({m["HeapInuse"]}) is bigger than TotalAlloc ({m["TotalAlloc"]})'
    else:
        text = f'TotalAlloc ({m["TotalAlloc"]}) has overtaken HeapInuse ({m["HeapInuse"]})'
    check(text in out, f'{what}: text does not say {text!r}')
    if live is not None:
        check(f'Here {live} size classes hold objects (BySize)' in out, f'{what}: BySize line')
    check('memarena' not in out and 'per-CPU' not in out, f'{what}: memarena\'s words')
    return out


def t_explain_go():
    heap, hm, vars_, vj = goheap_files()
    vm, bysize = vj['memstats'], vj['memstats']['BySize']
    check(len(bysize) > 1 and hm['Sys'] > 0, 'goheap wrote no numbers')
    check_explain_go([heap], hm, None)
    check_explain_go([vars_], vm, bysize)
    # Standard input gives what the file gives.
    for path, m, bs in ((heap, hm, None), (vars_, vm, bysize)):
        with open(path) as f:
            data = f.read()
        out = check_explain_go(['-'], m, bs, stdin=data, what=f'{path} on stdin')
        check(out == memstat('explain', '--go', path, '--bytes')[0], f'{path}: stdin differs')


def t_explain_go_errors():
    heap, hm, vars_, vj = goheap_files()
    d = scratch()
    with open(heap) as f:
        profile = f.read()

    def bad(name, content, want):
        path = os.path.join(d, name)
        if content is not None:
            with open(path, 'w') as f:
                f.write(content)
        for args in (['explain', '--go', path], ['explain', '--go', path, '--json']):
            out, err = memstat(*args, rc=1)
            check(err.count('\n') == 1 and err.startswith('memstat: ') and want in err and
                  not out, f'{name}: {err!r} (stdout {out[:200]!r})')

    bad('empty', '', 'empty')
    bad('random', 'The quick brown fox\njumps over the lazy dog.\n', 'neither a Go heap profile')
    bad('nomemstats.json', json.dumps({'cmdline': ['x'], 'x': {'memstats': 1}}),
        'without a "memstats" member')
    bad('truncated.json', json.dumps(vj)[:-40], 'not valid expvar JSON')
    bad('noheapsys.txt', re.sub(r'^# HeapSys = .*\n', '', profile, flags=re.M),
        'HeapSys is missing')
    m = dict(vj['memstats'], HeapIdle=vj['memstats']['HeapIdle'] + 8192)
    bad('heapsys.json', json.dumps(dict(vj, memstats=m)), 'is not HeapSys')
    bad('sys.txt', re.sub(r'^# GCSys = (\d+)$', lambda g: f'# GCSys = {int(g[1]) + 1}',
                          profile, flags=re.M), 'is not Sys')
    bad('nosuchfile', None, 'No such file or directory')
    _, err = memstat('explain', '--go', '-', rc=1, input='')
    check(err == 'memstat: standard input: empty\n', f'empty stdin: {err!r}')
    # Usage errors, exit 2.
    memstat('explain', '--go', rc=2)
    memstat('show', '--go', heap, rc=2)
    memstat('explain', '--go', heap, '--proc', rc=2)
    memstat('explain', '--go', heap, 'extra', rc=2)


def lo_up():
    """The loopback interface, up (the test VM boots with it down)."""
    p = subprocess.run(['ip', '-o', 'link', 'show', 'lo'], capture_output=True, text=True)
    if p.returncode:
        raise Skip(f'ip link show lo: {p.stderr.strip()}')
    if 'UP' not in p.stdout.split('>')[0]:
        p = subprocess.run(['ip', 'link', 'set', 'lo', 'up'], capture_output=True, text=True)
        if p.returncode:
            raise Skip(f'ip link set lo up: {p.stderr.strip()}')


def t_explain_go_http():
    import urllib.request
    heap, hm, vars_, vj = goheap_files()
    lo_up()
    g = subprocess.Popen([GOHEAP, '-n', '1', '-serve', '127.0.0.1:0'], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        addr = None
        for line in g.stdout:
            if line.startswith('listening on '):
                addr = line.split()[-1]
                break
        check(addr, f'goheap -serve: no address: {g.stderr.read() if g.poll() is not None else ""}')
        for path in ('/debug/pprof/heap?debug=1', '/debug/vars'):
            with urllib.request.urlopen(f'http://{addr}{path}', timeout=WAIT_S) as r:
                body = r.read().decode()
            if path == '/debug/vars':
                m = json.loads(body)['memstats']
                bysize = m['BySize']
            else:
                m, bysize = go_heap_memstats(body), None
            check_explain_go(['-'], m, bysize, stdin=body, what=f'http {path}')
    finally:
        g.stdin.close()
        try:
            g.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            g.kill()
            g.wait()
    check(g.returncode == 0, f'goheap -serve: exit {g.returncode}')


def promtool():
    path = shutil.which('promtool')
    if not path:
        raise Skip('promtool not installed (Debian package prometheus)')
    return path


def prom_samples(text):
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith('#'):
            name, value = line.rsplit(' ', 1)
            samples[name] = value
    return samples


def t_prometheus():
    need_module()
    (scalars, rows), text = quiescent(lambda: memstat('--prometheus')[0])
    p = subprocess.run([promtool(), 'check', 'metrics'], input=text,
                       capture_output=True, text=True)
    check(p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(),
          f'promtool check metrics: exit {p.returncode}\n{p.stdout}{p.stderr}')
    for name, typ in GO_METRICS.items():
        check(re.search(rf'^# HELP {name} \S', text, re.M), f'no HELP for {name}')
        check(f'# TYPE {name} {typ}\n' in text, f'{name} is not a {typ}')
    samples = prom_samples(text)
    for metric, key in GO_METRIC_STAT.items():
        check(samples.get(metric) == str(scalars[key]),
              f'{metric} {samples.get(metric)} != {key} {scalars[key]}')
    check('# TYPE go_gc_duration_seconds summary\n' in text, 'no go_gc_duration_seconds')
    check(samples.get('go_gc_duration_seconds_count') == str(scalars['NumGC']), 'gc count')
    for r in rows:
        lab = f'{{class="{r["class"]}",size="{r["size"]}"}}'
        check(samples.get('memarena_class_mallocs_total' + lab) == str(r['mallocs']),
              f'memarena_class_mallocs_total{lab}')
    for cpu in possible_cpus():
        check(f'memarena_cpu_mallocs_total{{cpu="{cpu}"}}' in samples, f'cpu {cpu}')
    node_sys = [int(samples.get(f'memarena_node_heap_sys_bytes{{node="{n}"}}', -1))
                for n in possible_nodes()]
    check(-1 not in node_sys and sum(node_sys) == scalars['HeapSys'],
          f'memarena_node_heap_sys_bytes {node_sys} do not add up to HeapSys '
          f'{scalars["HeapSys"]}')
    check(samples.get('memarena_bad_frees_total') == str(scalars['BadFrees']), 'bad frees')


def t_prometheus_file():
    need_module()
    tool = promtool()
    d = os.path.join(scratch(), 'textfile')
    os.mkdir(d)
    path = os.path.join(d, 'memarena.prom')
    with open(path, 'w') as f:
        f.write('old\n')
    memstat('--prometheus', '-o', path)
    check(os.listdir(d) == ['memarena.prom'], f'left behind: {os.listdir(d)}')
    check(stat.S_IMODE(os.stat(path).st_mode) & 0o044 == 0o044, 'not world-readable')
    p = subprocess.run([tool, 'check', 'metrics'], stdin=open(path),
                       capture_output=True, text=True)
    check(p.returncode == 0, f'promtool on -o file: {p.stdout}{p.stderr}')
    out, _ = memstat('classes', '--prometheus')
    check('memarena_class_spans{' in out and 'go_memstats' not in out, 'classes --prometheus')
    out, _ = memstat('cpus', '--prometheus')
    check('memarena_cpu_online{' in out and 'memarena_class' not in out, 'cpus --prometheus')
    out, _ = memstat('nodes', '--prometheus')
    check('memarena_node_heap_sys_bytes{' in out and 'memarena_cpu' not in out,
          'nodes --prometheus')


def t_pprof():
    need_module()
    (scalars, _), out = quiescent(lambda: memstat('--format=pprof')[0])
    lines = out.splitlines()
    check(lines[0] == '# runtime.MemStats', f'first line {lines[0]!r}')
    check(len(lines) == len(PPROF_LINES) + 1,
          f'{len(lines) - 1} lines after the title, Go has {len(PPROF_LINES)}')
    for line, (name, kind) in zip(lines[1:], PPROF_LINES):
        m = re.fullmatch(r'# (\w+) = (.*)', line)
        check(m and m.group(1) == name, f'{line!r}: expected "# {name} = ..."')
        v = m.group(2)
        if kind == 'int':
            check(v == str(scalars[name]), f'{name} {v} != {scalars[name]}')
        elif kind == 'pair':
            a, b = PPROF_PAIRS[name]
            check(v == f'{scalars[a]} / {scalars[b]}', f'{name} {v!r}')
        elif kind == 'ring':
            check(re.fullmatch(r'\[\d+( \d+){255}\]', v), f'{name} is not Go\'s [256]uint64')
        elif kind == 'bool':
            check(v == ('true' if scalars[name] else 'false'), f'{name} {v!r}')
        else:
            check(round(float(v) * 1e9) == scalars[name], f'{name} {v!r}')
    _, err = memstat('--format=pprof', '--proc', rc=2)
    check('PauseNs' in err, err)


def t_watch():
    need_module()
    out, _ = memstat('watch', '-n', '3', '-i', '100ms')
    lines = out.splitlines()
    check(len(lines) == 3, f'watch -n 3 printed {len(lines)} lines')
    for line in lines:
        check(re.fullmatch(r'HeapAlloc: +\S+ \S+ HeapInuse: +\S+ \S+ TotalAlloc: +\S+ \S+ '
                           r'HeapSys: +\S+ \S+ HeapReleased: +\S+ \S+', line),
              f'watch line {line!r}')
    out, _ = memstat('watch', '--json', '-n', '2', '-i', '50ms', 'HeapObjects', 'sys')
    objs = [json.loads(line) for line in out.splitlines()]
    check(len(objs) == 2 and all(set(o) == {'elapsed', 'HeapObjects', 'Sys'} for o in objs),
          f'watch --json: {objs}')
    check(objs[1]['elapsed'] >= 0.04, 'watch: the interval was not kept')
    out, _ = memstat('watch', '--csv', '--count=2', '--interval=0.05')
    lines = out.splitlines()
    check(lines[0] == 'elapsed,HeapAlloc,HeapInuse,TotalAlloc,HeapSys,HeapReleased'
          and len(lines) == 3 and all(re.fullmatch(r'[\d.]+(,\d+){5}', x) for x in lines[1:]),
          f'watch --csv: {lines}')
    for args, msg in ((['Foo'], "unknown field 'Foo'"),
                      (['PauseNs'], 'ring'),
                      (['-i', '0'], 'bad interval'),
                      (['-i', 'fast'], 'bad interval'),
                      (['-i', '10xs'], 'bad interval'),
                      (['-n', '0'], 'bad count'),
                      (['-n', 'x'], 'bad count')):
        _, err = memstat('watch', *args, rc=2)
        check(msg in err and 'memstat --help' in err, f'watch {args}: {err!r}')


def t_usage_errors():
    for args, msg in ((['bogus'], "unknown command 'bogus'"),
                      (['--bogus'], 'bogus'),
                      (['classes', '--format=pprof'], 'cannot print pprof'),
                      (['--format=xml'], "unknown format 'xml'"),
                      (['--json', '--prometheus'], 'one output format'),
                      (['--bytes', '--iec'], 'exclude'),
                      (['watch', '-o', '/tmp/x'], 'one-shot'),
                      (['monitor', '--proc'], 'needs netlink'),
                      (['show', '-s', 'live'], 'does not take'),
                      (['classes', '-i', '1s'], 'does not take'),
                      (['limit'], 'one SIZE'),
                      (['limit', '12XB'], "bad size '12XB'"),
                      (['explain', 'now'], 'no arguments'),
                      (['nodes', 'extra'], 'no arguments')):
        _, err = memstat(*args, rc=2)
        check(msg in err, f'memstat {" ".join(args)}: {err!r}')


def t_extack():
    need_module()
    _, err = memstat(rc=1, env={'MEMSTAT_TEST_BAD_REQUEST': '1'})
    check(re.fullmatch(r'memstat: reading the statistics: Invalid argument '
                       r'\(kernel: memarena commands take no attributes\)\n', err),
          f'kernel error without its extack message: {err!r}')


def gc_or_skip(*args, **kw):
    out, err = memstat('gc', *args, rc=None, **kw)
    if 'Operation not supported' in err:
        raise Skip('the kernel does not implement MEMARENA_CMD_GC yet (EOPNOTSUPP)')
    return out, err


def t_gc():
    need_module()
    before, _ = read_proc()
    out, err = gc_or_skip('--json')
    check(not err, f'gc: {err!r}')
    cyc = json.loads(out)
    after, _ = read_proc()
    check(cyc.get('forced') is True, f'gc reply is not a forced cycle: {cyc}')
    check(after['NumForcedGC'] == before['NumForcedGC'] + 1,
          f'NumForcedGC {before["NumForcedGC"]} -> {after["NumForcedGC"]}')
    check(before['NumGC'] < cyc['num'] <= after['NumGC'], f'cycle num {cyc["num"]}')
    for key in ('released', 'duration_ns', 'pause_ns', 'end', 'heap_released',
                'heap_idle', 'goal'):
        check(isinstance(cyc.get(key), int), f'gc: no {key}')
    out, _ = gc_or_skip()
    check(re.match(r'\d\d:\d\d:\d\d\.\d{3} cycle \d+ \(forced\): released ', out),
          f'gc text: {out!r}')


def monitor_until(mon, want):
    """Force a cycle every second until the monitor @mon prints a line for
    which want(line, nums) is true, nums being the cycles forced so far:
    however long the monitor takes to start and join its groups, the
    cycle forced after that is printed.  Returns (that line, nums)."""
    fd = mon.stdout.fileno()
    nums, buf = [], b''
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        out, _ = gc_or_skip('--json')
        nums.append(json.loads(out)['num'])
        until = time.monotonic() + 1
        while True:
            left = until - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                raise Fail(f'monitor exited {mon.wait()}: {mon.stderr.read()!r}')
            *lines, buf = (buf + chunk).split(b'\n')
            for line in lines:
                if want(line.decode(), nums):
                    return line.decode(), nums
    raise Fail(f'monitor printed none of the cycles {nums} in {WAIT_S} s')


def t_gc_needs_admin():
    need_module()
    if not shutil.which('setpriv'):
        raise Skip('setpriv not installed')
    memstat('--json', user=65534)		# reading needs no privilege
    _, err = gc_or_skip(user=65534)
    check('Operation not permitted' in err and 'CAP_NET_ADMIN' in err, f'gc as nobody: {err!r}')


def set_stats_public(on):
    with open(STATS_PUBLIC, 'w') as f:
        f.write('1' if on else '0')


def withheld_line(err, what):
    """err is one line naming the privilege and the parameter."""
    check(err.count('\n') == 1 and 'CAP_SYS_ADMIN' in err and 'stats_public=1' in err,
          f'{what}: {err!r}')


def t_unprivileged():
    need_module()
    if not shutil.which('setpriv'):
        raise Skip('setpriv not installed')
    with open(STATS_PUBLIC) as f:
        public = f.read().strip()
    set_stats_public(False)
    try:
        # The statistics: text without a word on stderr.
        out, err = memstat(user=NOBODY)
        check('HeapInuse' in out and not err, f'memstat as nobody: {err!r}')
        # JSON: BySize null, and a note.
        for args in ([], ['--proc']):
            out, err = memstat('--json', *args, user=NOBODY)
            obj = json.loads(out)
            check(obj.get('BySize', 'missing') is None and
                  isinstance(obj.get('HeapInuse'), int),
                  f'--json {args} as nobody: BySize {obj.get("BySize", "missing")!r}')
            check(err.startswith('memstat: note: BySize') and err.count('\n') == 1 and
                  'CAP_SYS_ADMIN' in err and 'stats_public=1' in err,
                  f'--json {args} as nobody: {err!r}')
        # Prometheus: Go's metrics, no per-class or per-CPU one, a note.
        out, err = memstat('--prometheus', user=NOBODY)
        check('go_memstats_heap_inuse_bytes ' in out and 'memarena_class_' not in out and
              'memarena_cpu_' not in out and 'memarena_node_heap_sys_bytes{' in out,
              'memstat --prometheus as nobody')
        check('note:' in err and err.count('\n') == 1 and 'memarena_class_' in err and
              'memarena_cpu_' in err, f'--prometheus as nobody: {err!r}')
        # explain: every part, no span tails, a note.
        out, err = memstat('explain', user=NOBODY)
        check('= Sys' in out and 'withheld from this user' in out and 'note:' in err,
              f'explain as nobody: {err!r}')
        obj = json.loads(memstat('explain', '--json', user=NOBODY)[0])
        check(sum(p['bytes'] for p in obj['parts']) == obj['Sys'] and
              obj['heap_inuse_over_heap_alloc']['span_tails'] is None,
              'explain --json as nobody')
        # nodes: everyone's.
        out, err = memstat('nodes', '--json', user=NOBODY)
        check({r['node'] for r in json.loads(out)['nodes']} == possible_nodes() and not err,
              f'nodes as nobody: {err!r}')
        # classes and cpus: one line, exit 1, nothing on stdout.
        for args in (['classes'], ['classes', '--json'], ['classes', '--proc'],
                     ['cpus'], ['cpus', '--prometheus'], ['arenas']):
            out, err = memstat(*args, rc=1, user=NOBODY)
            check(not out, f'{args} as nobody printed {out!r}')
            withheld_line(err, f'memstat {" ".join(args)} as nobody')
        # stats_public opens them.
        set_stats_public(True)
        out, err = memstat('classes', user=NOBODY)
        check(len(out.splitlines()) == NUM_CLASSES + 2 and not err,
              f'classes as nobody with stats_public=1: {err!r}')
        obj = json.loads(memstat('cpus', '--json', user=NOBODY)[0])
        check({c['cpu'] for c in obj['cpus']} == possible_cpus(),
              'cpus as nobody with stats_public=1')
        obj = json.loads(memstat('--json', '--proc', user=NOBODY)[0])
        check(len(obj['BySize']) == NUM_CLASSES, '--json --proc as nobody with stats_public=1')
        obj = json.loads(memstat('arenas', '--json', user=NOBODY)[0])
        check('arenas' in obj, 'arenas as nobody with stats_public=1')
    finally:
        set_stats_public(public == 'Y')


def t_withheld_copy():
    """A copy of /proc/memstats as nobody reads it, read by anyone."""
    path = os.path.join(scratch(), 'withheld')
    with open(path, 'w') as f:
        f.write('# memarena 1\nAlloc 0\n# BySize: withheld '
                '(needs CAP_SYS_ADMIN, or stats_public=1)\n')
    _, err = memstat(f'--proc={path}', 'classes', rc=1)
    withheld_line(err, 'classes from a withheld copy')
    check(json.loads(memstat(f'--proc={path}', '--json')[0])['BySize'] is None,
          'BySize of a withheld copy')


def t_limit():
    need_module()
    out, err = memstat('limit', '512M', '--json', rc=None)
    if 'Operation not supported' in err:
        raise Skip('the kernel does not implement MEMARENA_CMD_SET_LIMIT yet (EOPNOTSUPP)')
    check(json.loads(out) == {'limit': 512000000}, f'limit --json: {out!r} {err!r}')
    out, _ = memstat('limit', '1.5GiB')
    check(out == 'memory limit set to 1.6 GB\n', f'limit text: {out!r}')
    out, _ = memstat('limit', 'off')
    check(out == 'memory limit removed\n', f'limit off: {out!r}')
    _, err = memstat('limit', '1G', user=65534, rc=1)
    check('Operation not permitted' in err, f'limit as nobody: {err!r}')


def t_monitor():
    need_module()
    # It runs and waits quietly.
    p = subprocess.run(['timeout', '1', MEMSTAT, 'monitor'], capture_output=True, text=True)
    check(p.returncode == 124 and not p.stderr, f'monitor: exit {p.returncode} {p.stderr!r}')
    # It prints the cycle that gc forces (once it listens: no sleep).
    mon = subprocess.Popen([MEMSTAT, 'monitor', '--json', '-n', '20'],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line, _ = monitor_until(mon, lambda line, nums: json.loads(line).get('num') in nums)
        ev = json.loads(line)
        check(ev.get('forced') is True, f'event of gc not forced: {ev}')
    finally:
        mon.kill()
        mon.wait()


def t_manpage():
    if not os.path.exists(MANPAGE):
        raise Fail(f'{MANPAGE} missing')
    with open(MANPAGE) as f:
        man = f.read()
    if shutil.which('groff'):
        p = subprocess.run(['groff', '-man', '-ww', '-z', MANPAGE],
                           capture_output=True, text=True)
        check(p.returncode == 0 and not p.stderr, f'groff: {p.stderr}')
    text = man.replace('\\-', '-').replace('\\fB', '').replace('\\fR', '').replace('\\fI', '')
    for c in COMMANDS:
        check(re.search(rf'^\.(TP|B|SS)?.*\b{c}\b', text, re.M), f'man page lacks {c}')
    for opt in ('--json', '--prometheus', '--csv', '--format', '--bytes', '--iec',
                '--output', '--proc', '--interval', '--count', '--sort', '--go',
                '--help', '--version'):
        check(opt in text, f'man page lacks {opt}')
    out, _ = memstat('fields')
    for name in re.findall(r'^  (\w+)', out, re.M):
        check(re.search(rf'\b{name}\b', text), f'man page lacks the field {name}')
    for metric in GO_METRICS:
        check(metric in text, f'man page lacks {metric}')


def t_unloaded():
    """Last: unload memarena, check the errors, load it again."""
    need_module()
    out_file = os.path.join(scratch(), 'kept.json')
    with open(out_file, 'w') as f:
        f.write('old\n')
    mon = subprocess.Popen([MEMSTAT, 'monitor'], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    # Once it printed a cycle it listens on both groups, nlctrl's too.
    try:
        monitor_until(mon, lambda line, nums: True)
    except BaseException:
        mon.kill()
        mon.wait()
        raise
    p = subprocess.run(['rmmod', 'memarena'], capture_output=True, text=True)
    if p.returncode:
        mon.kill()
        mon.wait()
        raise Skip(f'rmmod memarena: {p.stderr.strip()}')
    try:
        try:
            _, merr = mon.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            mon.kill()
            mon.wait()
            raise Fail('monitor kept running after memarena was unloaded')
        check(mon.returncode == 1 and 'unloaded' in merr,
              f'monitor on unload: exit {mon.returncode} {merr!r}')
        for args in ([], ['classes'], ['cpus'], ['nodes'], ['explain'], ['--proc'], ['--json'],
                     ['watch', '-n', '1'], ['gc'], ['limit', '1G']):
            _, err = memstat(*args, rc=1)
            check(err.count('\n') == 1 and 'memarena is not loaded' in err and
                  'modprobe memarena' in err, f'memstat {" ".join(args)}: {err!r}')
        memstat('-o', out_file, '--json', rc=1)
        with open(out_file) as f:
            check(f.read() == 'old\n', '-o replaced the file although memstat failed')
        check(os.listdir(os.path.dirname(out_file)).count('kept.json') == 1 and
              not [n for n in os.listdir(os.path.dirname(out_file))
                   if n.startswith('kept.json.')], '-o left a temporary file')
        memstat('fields')				# needs no module
        memstat('watch', 'Foo', rc=2)		# usage errors come first
    finally:
        p = subprocess.run(['insmod', MODULE], capture_output=True, text=True)
        if p.returncode:
            raise Fail(f'insmod {MODULE} again: {p.stderr}')
    memstat()


TESTS = [
    ('memstat: --help lists every command and option; help COMMAND; -V', t_help),
    ('memstat: fields lists every statistic, text and JSON alike', t_fields),
    ('memstat: the text view has every statistic in Go\'s order, humanised (SI, --iec)', t_text),
    ('memstat --bytes: exact values equal /proc/memstats', t_bytes_equal_proc),
    ('memstat --json: one object whose numbers equal /proc/memstats', t_json_equal_proc),
    ('memstat --proc: the same numbers as netlink', t_proc_equal_netlink),
    ('memstat --proc=FILE: parser (by name and header, unknowns skipped, errors) and humanised forms', t_proc_parser),
    ('memstat classes: 67 classes equal to BySize, utilisation, totals, -s', t_classes),
    ('memstat cpus: one line per possible CPU, adding up to Mallocs, Frees, Cached*', t_cpus),
    ('memstat nodes: a row per possible node, text, JSON, Prometheus; adds up to HeapSys etc.', t_nodes),
    ('memstat arenas: a /dev/memarena file\'s arena with its objects and spans; gone after close', t_arenas),
    ('memstat explain: parts add up exactly to Sys; the two questions answered', t_explain),
    ('memstat explain --go: a Go program\'s heap profile and expvar JSON, file and stdin: parts = its Sys', t_explain_go),
    ('memstat explain --go: bad input exits 1 with one line; usage errors exit 2', t_explain_go_errors),
    ('memstat explain --go -: goheap\'s /debug/pprof/heap?debug=1 and /debug/vars over HTTP (urllib)', t_explain_go_http),
    ('memstat --prometheus: promtool check metrics; every go_memstats metric; values', t_prometheus),
    ('memstat --prometheus -o FILE: atomic, readable; classes and cpus alone', t_prometheus_file),
    ('memstat --format=pprof: Go\'s runtime.MemStats lines in Go\'s order', t_pprof),
    ('memstat watch: -n 3 prints 3 lines; --json, --csv; bad field or interval exit 2', t_watch),
    ('memstat: usage errors exit 2 with a message', t_usage_errors),
    ('memstat: a kernel error is shown with its extack message, exit 1', t_extack),
    ('memstat gc: a forced cycle, counted in NumForcedGC', t_gc),
    ('memstat gc: needs CAP_NET_ADMIN, reading does not', t_gc_needs_admin),
    ('memstat limit: SIZE, off; needs CAP_NET_ADMIN', t_limit),
    ('memstat --proc=FILE: a withheld BySize: classes one line, exit 1; --json BySize null', t_withheld_copy),
    ('memstat as nobody: statistics with a note for what is withheld; classes, cpus: one line, exit 1', t_unprivileged),
    ('memstat monitor: waits quietly; prints the cycle gc forces', t_monitor),
    ('memstat.8: renders cleanly; every command, option, field and metric', t_manpage),
    ('memstat: memarena not loaded: one line, exit 1; monitor stops; -o keeps the file', t_unloaded),
]


def run():
    print('TAP version 13')
    if not os.access(MEMSTAT, os.X_OK):
        print(f'1..0 # SKIP {MEMSTAT} not built')
        return 4
    print(f'1..{len(TESTS)}')
    failed = 0
    for num, (name, fn) in enumerate(TESTS, 1):
        try:
            t0 = time.time()
            fn()
            if os.environ.get('MEMSTAT_TEST_TIMES'):
                diag(f'{time.time() - t0:.1f}s')
            print(f'ok {num} {name}')
        except Skip as e:
            print(f'ok {num} {name} # SKIP {e}')
        except Fail as e:
            diag(str(e))
            print(f'not ok {num} {name}')
            failed += 1
        except Exception as e:	# a bug or an unexpected output: this case fails
            diag(f'{type(e).__name__}: {e}')
            print(f'not ok {num} {name}')
            failed += 1
        sys.stdout.flush()
    return 1 if failed else 0


def main():
    try:
        return run()
    finally:
        if 'tmp' in _state:
            shutil.rmtree(_state['tmp'], ignore_errors=True)
        # Leave memarena loaded, whatever happened.
        if not os.path.exists('/sys/module/memarena'):
            subprocess.run(['insmod', MODULE], capture_output=True)


if __name__ == '__main__':
    sys.exit(main())
