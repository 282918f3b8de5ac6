#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""
memarena's heap profile (Documentation/memstats.rst, "The heap profile")
read by the real client, Go's 'go tool pprof' (Debian's golang-go).

  every     at profile_rate 1 every allocation is a sample: the test module
            selftests/modules/memarena_prof.ko, whose two functions
            memarena_prof_site_a() and memarena_prof_site_b() hold objects
            of known sizes and counts, shows in 'go tool pprof -top' with
            exactly those objects and bytes, in use and allocated;
  sampled   at profile_rate 4096 the two sites' shares of inuse_space and
            alloc_objects match the load within sampling error (the bounds
            are more than six standard deviations wide), and the estimates
            of their bytes are within 15% of the truth;
  freed     once the module is removed, pprof shows nothing of theirs in
            use, while their allocations stay in alloc_objects;
  memload   memload through /dev/memarena (a user arena: objects freed one
            by one and by destroying the arena, small and large): the
            estimated alloc_space of ma_dev_alloc_job matches TotalAlloc's
            growth within 10%, and nothing of it is in use afterwards;
  contexts  at profile_rate 1, memarena_test.ko's API cases (a timer, an
            hrtimer in hardirq context, interrupts off, bulk, bad frees,
            arenas destroyed with their objects, drains) run with every
            allocation sampled; afterwards each of its buckets has as
            many frees as allocations, and the hrtimer's allocations are
            there (not on PREEMPT_RT, where memarena is not for hardirq);
  text      memstat profile -f text against a real Go program's debug=1
            output (build/selftests/goheap -rate 4096, runtime/pprof): both parse with
            one grammar, line by line (header with heap/2*rate, records
            whose counts add up to the header's, frame lines, blank lines,
            the '# runtime.MemStats' block with Go's names in Go's order,
            MaxRSS aside); the frame lines of both are aligned exactly as
            Go's text/tabwriter aligns them;
  rate      profile-rate sets the module parameter; 0 stops sampling (no
            sample from a new load); BuckHashSys is not 0 and Sys still
            adds up;
  refusal   as nobody: profile fails with one line naming CAP_SYS_ADMIN,
            profile-rate with one naming CAP_NET_ADMIN's EPERM, exit 1;
            usage errors exit 2.

Runs from selftests/run_tests inside the test VM with memarena loaded,
from the repository root.  Prints TAP; exits 0 when every case passed or
skipped, 1 otherwise.  Leaves memarena loaded at its default rate.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)

MEMSTAT = 'build/user/memstat'
MEMLOAD = 'build/user/memload'
PROF_KO = 'selftests/modules/memarena_prof.ko'
TEST_KO = 'selftests/modules/memarena_test.ko'
# memarena_test.ko's cases that run with every allocation sampled.
TEST_CASES = ('class_boundaries,alignment,gfp_zero,atomic_contexts,bulk,double_free,'
              'foreign_free,interior_free,large_double_free,arena_create,arena_stats,'
              'arena_many,drain')
RATE_PARAM = '/sys/module/memarena/parameters/profile_rate'
DEFAULT_RATE = 524288
NOBODY = 65534
SITE_A = 'memarena_prof_site_a'
SITE_B = 'memarena_prof_site_b'

_tmp = tempfile.mkdtemp(prefix='profile_test.')


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def diag(text):
    for line in str(text).rstrip('\n').split('\n'):
        print('# ' + line)


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run(cmd, rc=0, user=None, env=None, timeout=300):
    if user is not None:
        cmd = ['setpriv', '--reuid', str(user), '--regid', str(user),
               '--clear-groups'] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, **(env or {})))
    if rc is not None and p.returncode != rc:
        raise Fail(f'{" ".join(cmd)}: exit {p.returncode}, expected {rc}\n'
                   f'stdout: {p.stdout[-1500:]}\nstderr: {p.stderr[-1500:]}')
    return p


def set_rate(rate):
    run([MEMSTAT, 'profile-rate', str(rate)])
    with open(RATE_PARAM) as f:
        check(int(f.read()) == rate, f'profile_rate is not {rate} after memstat profile-rate')


def profile_file(name):
    path = os.path.join(_tmp, name)
    run([MEMSTAT, 'profile', '-o', path])
    with open(path, 'rb') as f:
        check(f.read(2) == b'\x1f\x8b', f'{path}: not gzip')
    return path


def pprof_top(path, index, base=None):
    """'go tool pprof -top' of one sample type, less the profile @base if
    given (-base): {function: flat} (bytes for the _space types), and the
    total."""
    if not shutil.which('go'):
        raise Skip('go (Debian golang-go) not installed')
    env = {'HOME': _tmp, 'PPROF_TMPDIR': _tmp, 'GOTOOLCHAIN': 'local'}
    cmd = ['go', 'tool', 'pprof', '-top', '-nodefraction=0', '-edgefraction=0',
           f'-sample_index={index}']
    if index.endswith('_space'):
        cmd.append('-unit=B')
    if base:
        cmd.append(f'-base={base}')
    p = run(cmd + [path], env=env)
    flat, total = {}, None
    for line in p.stdout.splitlines():
        m = re.match(r'Showing nodes accounting for \S+, \S+ of (\d+)B? total', line)
        if m:
            total = int(m.group(1))
        m = re.match(r'\s*(-?\d+)B?\s+\S+%\s+\S+%\s+-?\d+B?\s+\S+%\s+(\S+)$', line)
        if m:
            flat[m.group(2)] = flat.get(m.group(2), 0) + int(m.group(1))
    check(total is not None, f'pprof -top: no total line in\n{p.stdout[:1500]}')
    return flat, total


def load_prof(**params):
    args = [f'{k}={v}' for k, v in params.items()]
    run(['insmod', PROF_KO] + args)


def unload_prof():
    run(['rmmod', 'memarena_prof'])


def need():
    if not os.path.exists('/sys/module/memarena'):
        raise Skip('memarena not loaded')
    if not os.path.exists(PROF_KO):
        raise Skip(f'{PROF_KO} not built')


def t_every():
    need()
    set_rate(1)
    try:
        load_prof(a_size=512, a_count=1000, b_size=8192, b_count=10)
        try:
            path = profile_file('every.pb.gz')
        finally:
            unload_prof()
        for index, want in (('inuse_space', (512 * 1000, 8192 * 10)),
                            ('alloc_objects', (1000, 10)),
                            ('inuse_objects', (1000, 10))):
            flat, _ = pprof_top(path, index)
            got = (flat.get(SITE_A, 0), flat.get(SITE_B, 0))
            check(got == want, f'{index}: {SITE_A}, {SITE_B} = {got}, want {want}')
    finally:
        set_rate(DEFAULT_RATE)


def t_sampled():
    need()
    # 6 MiB in 512 B objects, 2 MiB in 8 KiB objects: 75% and 25% of the
    # bytes, 98% and 2% of the objects.
    a, b = (512, 12288), (8192, 256)
    set_rate(4096)
    try:
        # Earlier cases' samples of the same sites are subtracted (-base).
        _state['base'] = profile_file('base.pb.gz')
        load_prof(a_size=a[0], a_count=a[1], b_size=b[0], b_count=b[1])
        _state['held'] = profile_file('held.pb.gz')
        unload_prof()
        _state['freed'] = profile_file('freed.pb.gz')
    finally:
        set_rate(DEFAULT_RATE)
    flat, _ = pprof_top(_state['held'], 'inuse_space', _state['base'])
    sa, sb = flat.get(SITE_A, 0), flat.get(SITE_B, 0)
    diag(f'inuse_space: {SITE_A} {sa} B (true {a[0] * a[1]}), {SITE_B} {sb} B (true {b[0] * b[1]})')
    check(sa and sb, f'inuse_space lacks a site: {flat}')
    check(abs(sa / (sa + sb) - 0.75) < 0.05, f'{SITE_A} has {sa / (sa + sb):.3f} of the two sites\' bytes, want 0.75 +- 0.05')
    for got, (size, count) in ((sa, a), (sb, b)):
        check(abs(got / (size * count) - 1) < 0.15, f'estimate {got} B is not within 15% of {size * count}')
    flat, _ = pprof_top(_state['held'], 'alloc_objects', _state['base'])
    oa, ob = flat.get(SITE_A, 0), flat.get(SITE_B, 0)
    diag(f'alloc_objects: {SITE_A} {oa} (true {a[1]}), {SITE_B} {ob} (true {b[1]})')
    share = a[1] / (a[1] + b[1])
    check(oa and ob and abs(oa / (oa + ob) - share) < 0.02,
          f'{SITE_A} has {oa}/{oa + ob} of the objects, want {share:.3f} +- 0.02')


def t_freed():
    need()
    if 'freed' not in _state:
        raise Skip('needs the sampled case\'s profiles')
    flat, _ = pprof_top(_state['freed'], 'inuse_space', _state['base'])
    check(not flat.get(SITE_A) and not flat.get(SITE_B),
          f'in use after rmmod: {SITE_A} {flat.get(SITE_A)}, {SITE_B} {flat.get(SITE_B)}')
    # Named after the module went: its symbols were saved in time.
    flat, _ = pprof_top(_state['freed'], 'alloc_objects', _state['base'])
    check(flat.get(SITE_A) and flat.get(SITE_B),
          f'the allocations are gone from alloc_objects after rmmod: {sorted(flat)[:20]}')


def proc_total_alloc():
    with open('/proc/memstats') as f:
        return int(re.search(r'^TotalAlloc (\d+)$', f.read(), re.M).group(1))


def dev_buckets():
    """{bucket id: (size, alloc_bytes, alloc_bytes - free_bytes, scale)}
    of the buckets allocated by /dev/memarena."""
    out = json.loads(run([MEMSTAT, '--json', 'profile']).stdout)
    res = {}
    for bk in out['buckets']:
        if bk['frames'][0].startswith('ma_dev_alloc_job+'):
            scale = bk['alloc_space_estimate'] / bk['alloc_bytes'] if bk['alloc_bytes'] else 1
            res[bk['id']] = (bk['size'], bk['alloc_bytes'],
                             bk['alloc_bytes'] - bk['free_bytes'], scale)
    return res


def t_memload():
    need()
    set_rate(4096)
    try:
        before, t0 = dev_buckets(), proc_total_alloc()
        run([MEMLOAD, 'churn', '--ops', '40000', '--live', '1M', '--dist', 'uniform',
             '--min', '16', '--max', '2048', '--quiet'])
        run([MEMLOAD, 'fill', '--size', '4M', '--quiet'])
        t1, after = proc_total_alloc(), dev_buckets()
    finally:
        set_rate(DEFAULT_RATE)
    est = 0.0
    for bid, (size, alloc, inuse, scale) in after.items():
        est += (alloc - before.get(bid, (0, 0, 0, 1))[1]) * scale
        check(inuse == 0, f'bucket {bid} ({size} B) still has {inuse} B in use after memload closed its file')
    diag(f'TotalAlloc grew {t1 - t0} B; the profile estimates {est:.0f} B from ma_dev_alloc_job')
    check(t1 > t0 and abs(est / (t1 - t0) - 1) < 0.10, 'estimate not within 10% of TotalAlloc')


def t_contexts():
    need()
    set_rate(1)
    try:
        p = run(['insmod', TEST_KO, f'cases={TEST_CASES}'], rc=None, timeout=900)
        loaded = os.path.exists('/sys/module/memarena_test')
        if loaded:
            run(['rmmod', 'memarena_test'])
        check(p.returncode == 0, f'memarena_test.ko cases={TEST_CASES} failed at rate 1: {p.stderr}')
    finally:
        set_rate(DEFAULT_RATE)
    out = json.loads(run([MEMSTAT, '--json', 'profile']).stdout)
    mine = [bk for bk in out['buckets']
            if any(fr.endswith('[memarena_test]') for fr in bk['frames'])]
    check(mine, 'no bucket names a memarena_test function')
    left = [(bk['frames'][0], bk['allocs'] - bk['frees']) for bk in mine
            if bk['allocs'] != bk['frees']]
    check(not left, f'buckets of memarena_test with objects in use after it freed everything: {left[:5]}')
    diag(f'{len(mine)} buckets, {sum(bk["allocs"] for bk in mine)} samples from memarena_test.ko')
    # RT's own kernels have /sys/kernel/realtime; mainline's (6.12) say so in
    # their version string.
    rt = os.path.exists('/sys/kernel/realtime') or 'PREEMPT_RT' in os.uname().version
    hard = [bk for bk in mine if any(fr.startswith('mt_atomic_hrtimer_fn+') for fr in bk['frames'])]
    check(rt or hard, 'no sample from the hrtimer (hardirq) callback')


def tabwriter(cells_per_line):
    """Go's text/tabwriter.NewWriter(w, 1, 8, 1, '\\t', 0) on lines given as
    lists of cells (the last one not tab-ended): each tab-ended cell padded
    with tabs to its column's block width (the widest cell + 1, rounded up
    to 8), a block being a run of lines with a cell in that column."""
    n = len(cells_per_line)
    width = [dict() for _ in range(n)]
    for k in range(max((len(c) - 1 for c in cells_per_line), default=0)):
        i = 0
        while i < n:
            if len(cells_per_line[i]) - 1 <= k:
                i += 1
                continue
            j = i
            while j < n and len(cells_per_line[j]) - 1 > k:
                j += 1
            w = max([1] + [len(cells_per_line[x][k]) + 1 for x in range(i, j)])
            w = (w + 7) // 8 * 8
            for x in range(i, j):
                width[x][k] = w
            i = j
    out = []
    for i, cells in enumerate(cells_per_line):
        line = ''
        for k, c in enumerate(cells[:-1]):
            line += c + '\t' * ((width[i][k] - len(c) + 7) // 8)
        out.append(line + cells[-1])
    return out


HEADER = re.compile(r'^heap profile: (\d+): (\d+) \[(\d+): (\d+)\] @ heap/(\d+)$')
RECORD = re.compile(r'^(\d+): (\d+) \[(\d+): (\d+)\] @((?: 0x[0-9a-f]+)+)$')
FRAME = re.compile(r'^#\t+(0x[0-9a-f]+)(?:\t+([^\t+]+)\+(0x[0-9a-f]+)\t+(\S+):(\d+))?$')
STAT = re.compile(r'^# (\w+) = (.*)$')


def parse_debug1(text, what, exact_ids=False):
    """Go's debug=1 heap profile: (header numbers, records, MemStats names).
    Every line must be of the grammar; frame blocks are checked against
    Go's tab alignment."""
    lines = text.split('\n')
    m = HEADER.match(lines[0])
    check(m, f'{what}: header {lines[0]!r}')
    head = [int(g) for g in m.groups()]
    records, i = [], 1
    while i < len(lines) and lines[i]:
        r = RECORD.match(lines[i])
        check(r, f'{what}: line {i + 1} is no record: {lines[i]!r}')
        # Go's frames are its PCs less one, and inlined calls add some.
        pcs, frames = r.group(5).split(), []
        while i + 1 + len(frames) < len(lines) and lines[i + 1 + len(frames)]:
            frames.append(lines[i + 1 + len(frames)])
        check(frames, f'{what}: record without frames: {lines[i]!r}')
        for f in frames:
            check(FRAME.match(f), f'{what}: frame line {f!r}')
        if exact_ids:
            check([FRAME.match(f).group(1) for f in frames] == pcs,
                  f'{what}: frames {frames!r} are not those of {lines[i]!r}')
        cells = [re.split(r'\t+', f) for f in frames]
        check(tabwriter(cells) == frames,
              f'{what}: frames not aligned as Go\'s tabwriter does: {frames!r}, want {tabwriter(cells)!r}')
        records.append([int(g) for g in r.groups()[:4]])
        i += len(frames) + 2
    check(lines[i:i + 2] == ['', '# runtime.MemStats'],
          f'{what}: no blank line and "# runtime.MemStats" after the records: {lines[i:i + 2]!r}')
    names = []
    for line in lines[i + 2:]:
        if not line:
            continue
        s = STAT.match(line)
        check(s, f'{what}: MemStats line {line!r}')
        names.append(s.group(1))
    return head, records, names


def t_text():
    need()
    goheap = os.path.join('build', 'selftests', 'goheap')
    if not os.access(goheap, os.X_OK):
        raise Skip(f'{goheap} not built (Debian golang-go)')
    heap = os.path.join(_tmp, 'go-heap.txt')
    run([goheap, '-n', '3', '-rate', '4096', '-heap', heap])
    with open(heap) as f:
        ghead, grecs, gnames = parse_debug1(f.read(), 'Go')
    check(ghead[4] == 2 * 4096, f'Go: heap/{ghead[4]} for MemProfileRate 4096')
    check(grecs and [sum(r[k] for r in grecs) for k in range(4)] == ghead[:4],
          'Go: its records do not add up to its header: the grammar is wrong')
    out = run([MEMSTAT, 'profile', '-f', 'text']).stdout
    head, recs, names = parse_debug1(out, 'memstat', exact_ids=True)
    with open(RATE_PARAM) as f:
        rate = int(f.read())
    check(head[4] == 2 * rate, f'heap/{head[4]}, want 2*{rate}')
    check([sum(r[k] for r in recs) for k in range(4)] == head[:4],
          f'records add up to {[sum(r[k] for r in recs) for k in range(4)]}, header says {head[:4]}')
    check(recs == sorted(recs, key=lambda r: -r[1]), 'records not by in-use bytes, largest first')
    check(names == [n for n in gnames if n != 'MaxRSS'],
          f'MemStats names {names}, Go has {gnames}')
    diag(f'Go: {len(grecs)} records, {len(gnames)} MemStats lines; memstat: {len(recs)} records')


def t_rate():
    need()
    with open('/proc/memstats') as f:
        text = f.read()
    v = {k: int(n) for k, n in re.findall(r'^(\w+) (\d+)$', text, re.M)}
    check(v['BuckHashSys'] > 0, 'BuckHashSys is 0')
    check(v['Sys'] == sum(v[k] for k in ('HeapSys', 'StackSys', 'MSpanSys', 'MCacheSys',
                                            'BuckHashSys', 'GCSys', 'OtherSys')),
          'Sys is not the sum of the *Sys fields')
    set_rate(0)
    try:
        n0 = site_allocs()
        load_prof(a_count=2000, b_count=10)
        unload_prof()
        check(site_allocs() == n0, 'samples taken at rate 0')
    finally:
        set_rate(DEFAULT_RATE)


def site_allocs():
    """Samples ever taken in the test module's two sites."""
    out = json.loads(run([MEMSTAT, '--json', 'profile']).stdout)
    return sum(bk['allocs'] for bk in out['buckets']
               if any(SITE_A in fr or SITE_B in fr for fr in bk['frames']))


def t_refusal():
    need()
    p = run([MEMSTAT, 'profile'], rc=1, user=NOBODY)
    check(len(p.stderr.strip().split('\n')) == 1 and 'CAP_SYS_ADMIN' in p.stderr,
          f'nobody: {p.stderr!r}')
    p = run([MEMSTAT, 'profile-rate', '4096'], rc=1, user=NOBODY)
    check(len(p.stderr.strip().split('\n')) == 1, f'nobody profile-rate: {p.stderr!r}')
    with open(RATE_PARAM) as f:
        check(int(f.read()) == DEFAULT_RATE, 'nobody changed the rate')
    for args in (['profile-rate'], ['profile-rate', 'fast'], ['profile-rate', '8Gi'],
                 ['profile', 'extra'], ['profile', '-f', 'csv']):
        p = run([MEMSTAT] + args, rc=2)
        check(p.stderr.strip(), f'{args}: no message')


_state = {}

TESTS = [
    ('profile: rate 1: go tool pprof shows both sites with their exact objects and bytes', t_every),
    ('profile: rate 4096: both sites\' shares within sampling error', t_sampled),
    ('profile: nothing of theirs in use once the module is gone', t_freed),
    ('profile: memload through /dev/memarena: alloc_space matches TotalAlloc; nothing left in use', t_memload),
    ('profile: rate 1 in every context (memarena_test.ko): every sampled object freed', t_contexts),
    ('profile -f text: Go\'s debug=1 form, records add up to the header', t_text),
    ('profile-rate: sets the rate; 0 stops sampling; BuckHashSys in Sys', t_rate),
    ('profile: nobody is refused with one line; usage errors exit 2', t_refusal),
]


def main():
    print('TAP version 13')
    # Builds without the userspace tools (make check-kernels) skip it all.
    if not os.access(MEMSTAT, os.X_OK):
        print(f'1..0 # SKIP {MEMSTAT} not built')
        shutil.rmtree(_tmp, ignore_errors=True)
        return 4
    print(f'1..{len(TESTS)}')
    failed = 0
    for num, (name, fn) in enumerate(TESTS, 1):
        try:
            fn()
            print(f'ok {num} {name}')
        except Skip as e:
            print(f'ok {num} {name} # SKIP {e}')
        except Fail as e:
            diag(str(e))
            print(f'not ok {num} {name}')
            failed += 1
        except Exception as e:	# a bug or an unexpected output
            diag(f'{type(e).__name__}: {e}')
            print(f'not ok {num} {name}')
            failed += 1
        sys.stdout.flush()
    if os.path.exists('/sys/module/memarena_prof'):
        subprocess.run(['rmmod', 'memarena_prof'], capture_output=True)
    shutil.rmtree(_tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
