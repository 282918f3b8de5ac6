#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""
The YNL description of the "memarena" generic netlink family,
Documentation/netlink/specs/memarena.yaml, against the uAPI header and
against the running module, with the upstream YNL tools (Linux 6.12,
extracted into build/ynl/ by 'make ynl').

  spec     the spec validates against its protocol's schema, its operations
           reply with every attribute of their set; ynl-gen-c.py
           renders a uAPI header from it whose macros and enum members
           (names, values, enum tags) are exactly those of
           include/uapi/linux/memarena.h, both evaluated by the C compiler;
  get      cli.py --do get: every statistic, the MemStats identities, the
           256-entry pause rings, the same values as /proc/memstats;
  dumps    get-classes: the 67 size classes with Go's sizes and the
           /proc/memstats BySize table; get-cpus: one message per possible
           CPU, adding up to get's totals; get-nodes: one message per
           possible memory node, whose heap gauges add up to get's
           heap-sys, heap-inuse, heap-idle, heap-released, heap-arenas and
           mspan-sys;
  refusal  a request carrying an attribute (one above the policy's maxattr
           with cli.py, the pad attribute with the YNL library) is refused
           with EINVAL and an extack message, and the family answers
           afterwards;
  nobody   as user nobody, with stats_public off, get and get-nodes
           answer while get-classes and get-cpus are refused with EPERM
           (and the family's extack message from Linux 6.5 on).

Runs from selftests/run_tests inside the test VM with memarena loaded, on a
quiescent system (comparisons with /proc/memstats are retried while it
changes).  Prints TAP; exits 0 when every case passed or skipped, 1
otherwise.  Cases that need the module skip when it is not loaded; all skip
when build/ynl is missing.

For testing the test, MEMARENA_YNL_SPEC, MEMARENA_YNL_UAPI and
MEMARENA_YNL_DIR replace the spec, the uAPI header and the YNL tree.
"""

import ast
import ctypes
import fcntl
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)

PYTHON = '/usr/bin/python3' if os.access('/usr/bin/python3', os.X_OK) else sys.executable
YNL = os.environ.get('MEMARENA_YNL_DIR', 'build/ynl')
SPEC = os.environ.get('MEMARENA_YNL_SPEC', 'Documentation/netlink/specs/memarena.yaml')
UAPI = os.environ.get('MEMARENA_YNL_UAPI', 'include/uapi/linux/memarena.h')
CLI = os.path.join(YNL, 'tools/net/ynl/cli.py')
GEN = os.path.join(YNL, 'tools/net/ynl/ynl-gen-c.py')
PROC = '/proc/memstats'
STATS_PUBLIC = '/sys/module/memarena/parameters/stats_public'
DETAIL_EXTACK = 'per-class and per-CPU statistics need CAP_SYS_ADMIN, or stats_public=1'
NOBODY = 65534

RING = 256			# MEMARENA_PAUSE_RING
NUM_CLASSES = 67		# size classes 1..67
DEV_ALLOC = (3 << 30) | (64 << 16) | (0xBA << 8) | 0x01	# MEMARENA_IOC_ALLOC

# Go's size classes (runtime/sizeclasses.go), class 1..67: bytes per object.
GO_CLASS_SIZES = [
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224,
    240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768,
    896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200,
    3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240,
    10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576,
    27264, 28672, 32768,
]

# Columns of the "# BySize" table of /proc/memstats -> class attributes.
BYSIZE_COLUMNS = {
    'class': 'class', 'size': 'size', 'span_bytes': 'span-bytes',
    'span_objects': 'objects-per-span', 'mallocs': 'mallocs',
    'frees': 'frees', 'live_objects': 'live-objects',
    'live_bytes': 'live-bytes', 'cached_objects': 'cached-objects',
    'spans': 'spans',
}

QUIESCENT_TRIES = 5


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def diag(text):
    for line in str(text).rstrip('\n').split('\n'):
        print('# ' + line if line else '#')


# --- a small JSON-schema validator -------------------------------------------
#
# jsonschema (python3-jsonschema) is what the YNL tools use, and it is used
# when installed.  Without it, this validator handles every keyword of the
# genetlink*.yaml schemas (and refuses any other, so a schema it cannot
# check fails the case instead of passing it).

class SchemaError(Exception):
    pass


_TYPES = {
    'object': lambda v: isinstance(v, dict),
    'array': lambda v: isinstance(v, list),
    'string': lambda v: isinstance(v, str),
    'integer': lambda v: isinstance(v, int) and not isinstance(v, bool),
    'number': lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    'boolean': lambda v: isinstance(v, bool),
    'null': lambda v: v is None,
}

_ANNOTATIONS = {'$id', '$schema', '$defs', 'definitions', 'title',
                'description', 'then', 'else', 'default', '$comment'}


def _valid(inst, sch, root):
    try:
        mini_validate(inst, sch, root)
        return True
    except SchemaError:
        return False


def mini_validate(inst, sch, root, path='spec'):
    if sch is True:
        return
    if sch is False:
        raise SchemaError(f'{path}: not allowed here')
    for kw, arg in sch.items():
        if kw in _ANNOTATIONS:
            continue
        if kw == '$ref':
            if not arg.startswith('#/'):
                raise SchemaError(f'{path}: cannot resolve $ref {arg}')
            node = root
            for part in arg[2:].split('/'):
                node = node[part]
            mini_validate(inst, node, root, path)
        elif kw == 'type':
            types = arg if isinstance(arg, list) else [arg]
            if not any(_TYPES[t](inst) for t in types):
                raise SchemaError(f'{path}: {inst!r} is not of type {arg}')
        elif kw == 'enum':
            if not any(inst == e and type(inst) is type(e) for e in arg):
                raise SchemaError(f'{path}: {inst!r} is not one of {arg}')
        elif kw == 'properties':
            if isinstance(inst, dict):
                for key, sub in arg.items():
                    if key in inst:
                        mini_validate(inst[key], sub, root, f'{path}.{key}')
        elif kw == 'additionalProperties':
            if isinstance(inst, dict):
                known = sch.get('properties', {})
                for key in inst:
                    if key in known:
                        continue
                    if arg is False:
                        raise SchemaError(f'{path}: unknown property {key!r}')
                    mini_validate(inst[key], arg, root, f'{path}.{key}')
        elif kw == 'required':
            if isinstance(inst, dict):
                for key in arg:
                    if key not in inst:
                        raise SchemaError(f'{path}: {key!r} is required')
        elif kw == 'items':
            if isinstance(inst, list):
                for i, item in enumerate(inst):
                    name = item.get('name') if isinstance(item, dict) else None
                    mini_validate(item, arg, root,
                                  f'{path}[{name if name else i}]')
        elif kw == 'minimum':
            if _TYPES['number'](inst) and inst < arg:
                raise SchemaError(f'{path}: {inst} is less than {arg}')
        elif kw == 'pattern':
            if isinstance(inst, str) and not re.search(arg, inst):
                raise SchemaError(f'{path}: {inst!r} does not match {arg}')
        elif kw in ('oneOf', 'anyOf'):
            n = sum(_valid(inst, sub, root) for sub in arg)
            if n == 0 or (kw == 'oneOf' and n > 1):
                raise SchemaError(f'{path}: {inst!r} matches {n} of the {kw} schemas')
        elif kw == 'allOf':
            for sub in arg:
                mini_validate(inst, sub, root, path)
        elif kw == 'not':
            if _valid(inst, arg, root):
                raise SchemaError(f'{path}: must not match {arg}')
        elif kw == 'if':
            if _valid(inst, arg, root):
                if 'then' in sch:
                    mini_validate(inst, sch['then'], root, path)
            elif 'else' in sch:
                mini_validate(inst, sch['else'], root, path)
        elif kw == 'dependencies':
            if isinstance(inst, dict):
                for key, dep in arg.items():
                    if key not in inst:
                        continue
                    if isinstance(dep, list):
                        for other in dep:
                            if other not in inst:
                                raise SchemaError(f'{path}: {key!r} needs {other!r}')
                    else:
                        mini_validate(inst, dep, root, path)
        else:
            raise SchemaError(f'schema keyword {kw!r} is not supported by the '
                              'built-in validator')


def have_jsonschema():
    return importlib.util.find_spec('jsonschema') is not None


# --- helpers -------------------------------------------------------------------

def load_spec():
    with open(SPEC) as f:
        return yaml.safe_load(f)


def spec_attrs(spec, set_name):
    """The attribute names of a set, without unspec (unused) and pad."""
    for s in spec['attribute-sets']:
        if s['name'] == set_name:
            return [a['name'] for a in s['attributes']
                    if a.get('type') not in ('unused', 'pad')]
    raise Fail(f'spec has no attribute set {set_name!r}')


def schema_args():
    proto = load_spec().get('protocol', 'genetlink')
    if have_jsonschema():
        return ['--schema', os.path.join(YNL, f'Documentation/netlink/{proto}.yaml')]
    return ['--no-schema']


_cli_shown = set()


_staged = {}


def staged_for_others():
    """cli.py, its library, the spec and the schemas copied to a directory
    every user can read: Python opens a script by its absolute path, and
    the checkout may live under a home directory others cannot enter
    (/root is 0700).  Returns (cli.py, spec, schema arguments)."""
    if not _staged:
        top = tempfile.mkdtemp(prefix='ynl_test.')
        os.chmod(top, 0o755)
        shutil.copytree(os.path.join(YNL, 'tools/net/ynl'), os.path.join(top, 'ynl'),
                        ignore=shutil.ignore_patterns('__pycache__'))
        shutil.copy(SPEC, os.path.join(top, 'memarena.yaml'))
        args = schema_args()
        if args[0] == '--schema':
            args = ['--schema', shutil.copy(args[1], top)]
        for d, dirs, files in os.walk(top):
            for n in dirs + files:
                os.chmod(os.path.join(d, n), 0o755 if n in dirs else 0o644)
        _staged.update(cli=os.path.join(top, 'ynl/cli.py'),
                       spec=os.path.join(top, 'memarena.yaml'), schema=args, top=top)
    return _staged['cli'], _staged['spec'], _staged['schema']


def cli(*args, expect_ok=True, user=None):
    """Run cli.py (as @user, a uid, if given); return (exit status,
    decoded JSON or None, output)."""
    if user is None:
        cmd = [PYTHON, CLI, '--spec', SPEC] + schema_args()
    else:
        script, spec, schema = staged_for_others()
        cmd = ['setpriv', '--reuid', str(user), '--regid', str(user),
               '--clear-groups', PYTHON, '-B', script, '--spec', spec] + schema
    cmd += ['--output-json'] + list(args)
    key = args[:2]
    if key not in _cli_shown:
        _cli_shown.add(key)
        diag('$ ' + ' '.join(cmd))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise Fail(f'cli.py {" ".join(args)}: timed out')
    out = p.stdout + p.stderr
    data = None
    if p.returncode == 0:
        try:
            data = json.loads(p.stdout)
        except ValueError:
            if expect_ok:
                raise Fail(f'cli.py {" ".join(args)}: output is not JSON:\n{out}')
    elif expect_ok:
        raise Fail(f'cli.py {" ".join(args)} exited {p.returncode}:\n{out}')
    return p.returncode, data, out


def read_proc():
    """/proc/memstats as ({Name: value}, [BySize rows as dicts])."""
    try:
        with open(PROC) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise Fail(f'{PROC}: {e}')
    scalars, rows, cols, section = {}, [], None, 'scalars'
    for line in lines:
        if line.startswith('# BySize'):
            section = 'classes'
            continue
        if line.startswith('#') or not line.strip():
            continue
        fields = line.split()
        if section == 'scalars':
            if len(fields) != 2:
                raise Fail(f'{PROC}: bad line {line!r}')
            name, value = fields
            if '.' in value:		# a fraction: parts per 10^9 on the wire
                whole, frac = value.split('.')
                scalars[name] = int(whole) * 10**9 + int(frac.ljust(9, '0')[:9])
            else:
                scalars[name] = int(value)
        elif cols is None:
            cols = fields
        else:
            if len(fields) != len(cols):
                raise Fail(f'{PROC}: bad BySize line {line!r}')
            rows.append(dict(zip(cols, map(int, fields))))
    if cols is None:
        raise Fail(f'{PROC}: no BySize table')
    return scalars, rows, cols


def quiescent(query):
    """Run query() between two reads of /proc/memstats until they agree:
    (the /proc/memstats read, or None if it kept changing, and the result
    of the last query).  Each try starts with a forced cycle: with nothing
    allocating only a reclaim cycle moves the statistics, and after a
    forced one the background scavenger has nothing left to do (the
    queries take seconds, several background wake-ups)."""
    for _ in range(QUIESCENT_TRIES):
        cli('--do', 'gc', expect_ok=False)
        before = read_proc()
        result = query()
        if read_proc() == before:
            return before, result
    return None, result


def need_quiet(proc):
    if proc is None:
        raise Fail(f'{PROC} kept changing during {QUIESCENT_TRIES} tries: '
                   'the system is not quiescent')
    return proc


def cpu_list(path):
    with open(path) as f:
        text = f.read().strip()
    cpus = set()
    for part in filter(None, text.split(',')):
        lo, _, hi = part.partition('-')
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def norm(name):
    """Go's name (HeapAlloc, MSpanInuse) and the attribute's (heap-alloc)."""
    return name.replace('-', '').lower()


# --- spec vs uAPI ------------------------------------------------------------

_gen = {}


def scratch():
    if 'tmp' not in _gen:
        _gen['tmp'] = tempfile.mkdtemp(prefix='ynl_test.')
    return _gen['tmp']


def run_ynl_gen(spec_yaml_path, out):
    """ynl-gen-c.py --mode uapi --header on a copy of the spec in a scratch
    kernel-like tree: ynl-gen-c looks for MAINTAINERS above the spec (it
    loops forever without one) and for the schema at
    Documentation/netlink/<protocol>.yaml, which it validates with
    jsonschema (replaced by a no-op when not installed: the schema case
    validates the same spec)."""
    tree = os.path.join(scratch(), 'tree')
    specs = os.path.join(tree, 'Documentation/netlink/specs')
    os.makedirs(specs, exist_ok=True)
    open(os.path.join(tree, 'MAINTAINERS'), 'w').close()
    for f in os.listdir(os.path.join(YNL, 'Documentation/netlink')):
        if f.endswith('.yaml'):
            shutil.copy(os.path.join(YNL, 'Documentation/netlink', f),
                        os.path.join(tree, 'Documentation/netlink'))
    spec = os.path.join(specs, 'memarena.yaml')
    shutil.copy(spec_yaml_path, spec)
    env = dict(os.environ)
    if not have_jsonschema():
        stub = os.path.join(scratch(), 'stub')
        os.makedirs(stub, exist_ok=True)
        with open(os.path.join(stub, 'jsonschema.py'), 'w') as f:
            f.write('def validate(instance, schema):\n    pass\n')
        env['PYTHONPATH'] = stub + os.pathsep + env.get('PYTHONPATH', '')
    cmd = [PYTHON, GEN, '--mode', 'uapi', '--header', '--spec', spec, '-o', out]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                           env=env)
    except subprocess.TimeoutExpired:
        return cmd, 124, 'timed out'
    return cmd, p.returncode, p.stdout + p.stderr


def c_names(text):
    """Macros with a value and enum members of a header: {name: enum tag}
    ('#define' for macros, 'enum' or 'enum TAG' for members)."""
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    names = {}
    for m in re.finditer(r'^[ \t]*#[ \t]*define[ \t]+(\w+)(?![\w(])[ \t]*(.*)$',
                         text, re.M):
        if m.group(2).strip():
            names[m.group(1)] = '#define'
    for m in re.finditer(r'\benum\b\s*(\w*)\s*\{(.*?)\}\s*;', text, re.S):
        tag = ('enum ' + m.group(1)).strip()
        for item in m.group(2).split(','):
            item = item.strip()
            if item:
                names[re.match(r'\w+', item).group(0)] = tag
    return names


def c_values(header, names):
    """Each name's value, as the C compiler sees it: {name: int or str}."""
    src = os.path.join(scratch(), 'values.c')
    exe = os.path.join(scratch(), 'values')
    with open(src, 'w') as f:
        f.write('#include <stdio.h>\n')
        f.write(f'#include "{os.path.abspath(header)}"\n')
        f.write('static void pi(const char *n, long long v)\n'
                '{ printf("%s %lld\\n", n, v); }\n'
                'static void ps(const char *n, const char *v)\n'
                '{ printf("%s \\"%s\\"\\n", n, v); }\n'
                '#define P(x) _Generic((x), char *: ps, const char *: ps, '
                'default: pi)(#x, (x))\n'
                'int main(void)\n{\n')
        for n in sorted(names):
            f.write(f'\tP({n});\n')
        f.write('\treturn 0;\n}\n')
    p = subprocess.run(['cc', '-std=gnu11', '-Wall', '-Werror', '-o', exe, src],
                       capture_output=True, text=True)
    if p.returncode:
        raise Fail(f'cc on {header} failed:\n{p.stderr}')
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    values = {}
    for line in out.splitlines():
        name, value = line.split(' ', 1)
        values[name] = value[1:-1] if value.startswith('"') else int(value)
    return values


# The /dev/memarena device ABI shares the uAPI header but is not netlink.
DEVICE_ABI = re.compile(r'MEMARENA_(DEV|IOC)_\w+')


def header_table(header):
    with open(header) as f:
        names = c_names(f.read())
    names = {n: t for n, t in names.items() if not DEVICE_ABI.fullmatch(n)}
    values = c_values(header, names)
    return {n: (tag, values[n]) for n, tag in names.items()}


def t_spec_schema():
    spec = load_spec()
    proto = spec.get('protocol', 'genetlink')
    path = os.path.join(YNL, f'Documentation/netlink/{proto}.yaml')
    with open(path) as f:
        schema = yaml.safe_load(f)
    if have_jsonschema():
        import jsonschema
        diag(f'jsonschema, {path}')
        try:
            jsonschema.validate(spec, schema)
        except jsonschema.ValidationError as e:
            raise Fail(f'{SPEC}: {e.message} at {list(e.absolute_path)}')
    else:
        diag(f'python3-jsonschema not installed: built-in validator, {path}')
        try:
            mini_validate(spec, schema, schema)
        except SchemaError as e:
            raise Fail(f'{SPEC}: {e}')
    with open(SPEC) as f:
        first = f.readline().strip()
    want = '# SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)'
    if first != want:
        raise Fail(f'{SPEC}: first line is {first!r}, not {want!r}')


def t_spec_ops():
    spec = load_spec()
    want = {'get': ('do', 'stats'), 'get-classes': ('dump', 'class'),
            'get-cpus': ('dump', 'cpu'), 'get-nodes': ('dump', 'node')}
    ops = {op['name']: op for op in spec['operations']['list']}
    errors = []
    for name, (mode, aset) in want.items():
        op = ops.get(name)
        if op is None:
            errors.append(f'no operation {name}')
            continue
        if op.get('attribute-set') != aset:
            errors.append(f'{name}: attribute-set {op.get("attribute-set")}, not {aset}')
        if set(k for k in ('do', 'dump') if k in op) != {mode}:
            errors.append(f'{name}: not a {mode}-only operation')
            continue
        if op[mode].get('request', {}).get('attributes'):
            errors.append(f'{name}: lists request attributes; the module takes none')
        reply = op[mode].get('reply', {}).get('attributes', [])
        attrs = spec_attrs(spec, aset)
        if reply != attrs:
            missing = [a for a in attrs if a not in reply]
            extra = [a for a in reply if a not in attrs]
            errors.append(f'{name}: reply attributes are not those of {aset} in '
                          f'order: missing {missing}, unknown {extra}'
                          + ('' if missing or extra else ', order differs'))
    groups = [g['name'] for g in spec.get('mcast-groups', {}).get('list', [])]
    if groups != ['events']:
        errors.append(f'multicast groups {groups}, not [\'events\']')
    if errors:
        raise Fail('\n'.join(errors))


def t_spec_gen():
    out = os.path.join(scratch(), 'memarena-gen.h')
    cmd, rc, text = run_ynl_gen(SPEC, out)
    diag('$ ' + ' '.join(cmd))
    if rc and 'unsupported sub-type' in text:
        # 6.12's ynl-gen-c renders indexed-array only of nests (scalar
        # sub-types came later); the uAPI header does not depend on the
        # type, so render from a copy where those attributes are binary.
        spec = load_spec()
        changed = []
        for s in spec['attribute-sets']:
            for a in s['attributes']:
                if a.get('type') == 'indexed-array' and a.get('sub-type') != 'nest':
                    a['type'] = 'binary'
                    del a['sub-type']
                    changed.append(f"{s['name']}.{a['name']}")
        copy = os.path.join(scratch(), 'memarena-binary.yaml')
        with open(SPEC) as f:
            spdx = f.readline()
        with open(copy, 'w') as f:
            f.write(spdx + yaml.safe_dump(spec, sort_keys=False))
        diag('this ynl-gen-c cannot render indexed-array of scalars; rendering '
             'from a copy with ' + ', '.join(changed) + ' as binary')
        cmd, rc, text = run_ynl_gen(copy, out)
    if rc:
        raise Fail(f'ynl-gen-c.py exited {rc}:\n{text}')
    if not os.path.exists(out):
        raise Fail('ynl-gen-c.py wrote no header')
    _gen['header'] = out


def t_spec_uapi():
    if 'header' not in _gen:
        raise Fail('no generated header (see the previous case)')
    gen = header_table(_gen['header'])
    uapi = header_table(UAPI)
    diag(f'{len(uapi)} macros and enum members in {UAPI}, '
         f'{len(gen)} in the generated header')
    errors = []
    for n in sorted(set(uapi) - set(gen)):
        errors.append(f'{n} = {uapi[n][1]!r} ({uapi[n][0]}) is not generated from the spec')
    for n in sorted(set(gen) - set(uapi)):
        errors.append(f'{n} = {gen[n][1]!r} ({gen[n][0]}) is generated but not in {UAPI}')
    for n in sorted(set(gen) & set(uapi)):
        if gen[n][1] != uapi[n][1]:
            errors.append(f'{n}: {uapi[n][1]!r} in {UAPI}, {gen[n][1]!r} generated')
        if gen[n][0] != uapi[n][0]:
            errors.append(f'{n}: in "{uapi[n][0]}" in {UAPI}, in "{gen[n][0]}" generated')
    required = [r'MEMARENA_A_STATS_\w+', r'MEMARENA_A_CLASS_\w+',
                r'MEMARENA_A_CPU_\w+', r'MEMARENA_A_NODE_\w+', r'MEMARENA_CMD_\w+',
                'MEMARENA_FAMILY_NAME', 'MEMARENA_FAMILY_VERSION',
                'MEMARENA_MCGRP_EVENTS']
    for r in required:
        if not any(re.fullmatch(r, n) for n in uapi):
            errors.append(f'nothing matching {r} in {UAPI}')
    if errors:
        raise Fail('\n'.join(errors))


# --- live queries --------------------------------------------------------------

_live = {}


def need_module():
    if not os.path.exists('/sys/module/memarena'):
        raise Skip('memarena is not loaded')


def snapshot():
    """get, get-classes, get-cpus and get-nodes, between two reads of
    /proc/memstats that agree if the system is quiescent: (proc or None,
    {op: reply})."""
    if 'snap' not in _live:
        try:
            _live['snap'] = quiescent(lambda: {
                'get': cli('--do', 'get')[1],
                'get-classes': cli('--dump', 'get-classes')[1],
                'get-cpus': cli('--dump', 'get-cpus')[1],
                'get-nodes': cli('--dump', 'get-nodes')[1],
            })
        except Fail as e:
            _live['snap'] = e
    if isinstance(_live['snap'], Fail):
        raise _live['snap']
    return _live['snap']


def get_reply():
    return snapshot()[1]['get']


def t_get_attrs():
    need_module()
    reply = get_reply()
    want = spec_attrs(load_spec(), 'stats')
    missing = [a for a in want if a not in reply]
    extra = [a for a in reply if a not in want]
    if missing or extra:
        raise Fail(f'missing: {missing}; not in the spec: {extra}')
    diag(f'{len(want)} attributes; alloc={reply["alloc"]} sys={reply["sys"]} '
         f'mallocs={reply["mallocs"]} frees={reply["frees"]}')


def t_get_identities():
    need_module()
    r = get_reply()
    sys_sum = (r['heap-sys'] + r['stack-sys'] + r['mspan-sys'] +
               r['mcache-sys'] + r['buck-hash-sys'] + r['gc-sys'] +
               r['other-sys'])
    checks = [
        ('alloc == heap-alloc', r['alloc'] == r['heap-alloc']),
        ('heap-idle + heap-inuse == heap-sys',
         r['heap-idle'] + r['heap-inuse'] == r['heap-sys']),
        ('sys == heap-sys + stack-sys + mspan-sys + mcache-sys + '
         f'buck-hash-sys + gc-sys + other-sys ({r["sys"]} vs {sys_sum})',
         r['sys'] == sys_sum),
        ('heap-objects == mallocs - frees',
         r['heap-objects'] == r['mallocs'] - r['frees']),
        ('heap-alloc <= heap-inuse', r['heap-alloc'] <= r['heap-inuse']),
        ('heap-alloc <= total-alloc', r['heap-alloc'] <= r['total-alloc']),
        ('heap-released <= heap-idle', r['heap-released'] <= r['heap-idle']),
        ('mspan-inuse <= mspan-sys', r['mspan-inuse'] <= r['mspan-sys']),
        ('mcache-inuse <= mcache-sys', r['mcache-inuse'] <= r['mcache-sys']),
        ('frees <= mallocs', r['frees'] <= r['mallocs']),
    ]
    bad = [name for name, ok in checks if not ok]
    if bad:
        raise Fail('violated: ' + '; '.join(bad) + '\n' +
                   json.dumps({k: v for k, v in r.items()
                               if not isinstance(v, list)}))


def t_get_rings():
    need_module()
    r = get_reply()
    for ring in ('pause-ns', 'pause-end'):
        v = r.get(ring)
        if not isinstance(v, list) or len(v) != RING:
            raise Fail(f'{ring}: not a list of {RING} entries: '
                       f'{type(v).__name__} of {len(v) if isinstance(v, list) else "-"}')
        if not all(isinstance(x, int) and 0 <= x < 2**64 for x in v):
            raise Fail(f'{ring}: entries are not u64')


def t_get_proc():
    need_module()
    proc, replies = snapshot()
    scalars = need_quiet(proc)[0]
    reply = replies['get']
    attrs = {norm(a): a for a, v in reply.items() if not isinstance(v, list)}
    errors = []
    for name, value in scalars.items():
        attr = attrs.pop(norm(name), None)
        if attr is None:
            errors.append(f'{PROC} {name} has no attribute in the reply')
        elif reply[attr] != value:
            errors.append(f'{attr} = {reply[attr]}, {PROC} {name} = {value}')
    for attr in attrs.values():
        errors.append(f'{attr} is not in {PROC}')
    if errors:
        raise Fail('\n'.join(errors))
    diag(f'{len(scalars)} statistics equal')


def classes_reply():
    return snapshot()[1]['get-classes']


def t_classes_sizes():
    need_module()
    msgs = classes_reply()
    if not isinstance(msgs, list) or len(msgs) != NUM_CLASSES:
        raise Fail(f'{len(msgs) if isinstance(msgs, list) else msgs!r} '
                   f'messages, not {NUM_CLASSES}')
    want = spec_attrs(load_spec(), 'class')
    errors = []
    for i, m in enumerate(msgs):
        c = i + 1
        missing = [a for a in want if a not in m]
        if missing:
            errors.append(f'message {c}: missing {missing}')
            continue
        if m['class'] != c:
            errors.append(f'message {c}: class {m["class"]}')
        if m['size'] != GO_CLASS_SIZES[i]:
            errors.append(f'class {c}: size {m["size"]}, Go\'s is {GO_CLASS_SIZES[i]}')
        if m['objects-per-span'] != m['span-bytes'] // m['size']:
            errors.append(f'class {c}: {m["objects-per-span"]} objects per '
                          f'span of {m["span-bytes"]} bytes')
        if m['live-objects'] != m['mallocs'] - m['frees']:
            errors.append(f'class {c}: live-objects != mallocs - frees')
        if m['live-bytes'] != m['live-objects'] * m['size']:
            errors.append(f'class {c}: live-bytes != live-objects * size')
    if errors:
        raise Fail('\n'.join(errors))
    diag(f'{len(msgs)} classes, sizes {msgs[0]["size"]}..{msgs[-1]["size"]}, '
         f'mallocs {sum(m["mallocs"] for m in msgs)}, '
         f'frees {sum(m["frees"] for m in msgs)}')


def t_classes_proc():
    need_module()
    proc, replies = snapshot()
    _, rows, cols = need_quiet(proc)
    msgs = replies['get-classes']
    if set(cols) != set(BYSIZE_COLUMNS):
        raise Fail(f'{PROC} BySize columns {cols}, expected {list(BYSIZE_COLUMNS)}')
    if len(rows) != len(msgs):
        raise Fail(f'{len(rows)} rows in {PROC}, {len(msgs)} messages')
    errors = []
    for row, m in zip(rows, msgs):
        for col, attr in BYSIZE_COLUMNS.items():
            if m.get(attr) != row[col]:
                errors.append(f'class {row["class"]}: {attr} = {m.get(attr)}, '
                              f'{PROC} {col} = {row[col]}')
    if errors:
        raise Fail('\n'.join(errors))


def t_cpus():
    need_module()
    msgs = snapshot()[1]['get-cpus']
    possible = cpu_list('/sys/devices/system/cpu/possible')
    online = cpu_list('/sys/devices/system/cpu/online')
    want = spec_attrs(load_spec(), 'cpu')
    errors = []
    for m in msgs:
        missing = [a for a in want if a not in m]
        if missing:
            errors.append(f'message {m}: missing {missing}')
    cpus = [m.get('cpu') for m in msgs]
    if len(msgs) != len(possible) or set(cpus) != possible:
        errors.append(f'{len(msgs)} messages for CPUs {cpus}; possible: '
                      f'{sorted(possible)}')
    for m in msgs:
        if m.get('online') != (m.get('cpu') in online):
            errors.append(f'cpu {m.get("cpu")}: online = {m.get("online")}')
    if errors:
        raise Fail('\n'.join(errors))
    diag(f'{len(msgs)} CPUs: {sorted(possible)}')


def t_cpus_sum():
    need_module()
    proc, replies = snapshot()
    need_quiet(proc)
    msgs, reply = replies['get-cpus'], replies['get']
    errors = []
    for attr in ('mallocs', 'frees', 'cached-objects', 'cached-bytes'):
        total = sum(m[attr] for m in msgs)
        if total != reply[attr]:
            errors.append(f'sum of per-CPU {attr} = {total}, get: {reply[attr]}')
    if errors:
        raise Fail('\n'.join(errors))


NODE_SYSFS = '/sys/devices/system/node'

# get-nodes attributes that add up, over the nodes, to get's.
NODE_SUMS = ('heap-sys', 'heap-inuse', 'heap-idle', 'heap-released',
             'heap-arenas', 'mspan-sys')


def node_list(name):
    """A node mask of sysfs; node 0 alone on a kernel without NUMA."""
    path = os.path.join(NODE_SYSFS, name)
    return cpu_list(path) if os.path.exists(path) else {0}


def t_nodes():
    need_module()
    msgs = snapshot()[1]['get-nodes']
    possible = node_list('possible')
    memory = node_list('has_memory')
    want = spec_attrs(load_spec(), 'node')
    errors = []
    if not isinstance(msgs, list) or not msgs:
        raise Fail(f'get-nodes: no message: {msgs!r}')
    for m in msgs:
        missing = [a for a in want if a not in m]
        if missing:
            errors.append(f'message {m}: missing {missing}')
            continue
        if m['memory'] != (m['node'] in memory):
            errors.append(f'node {m["node"]}: memory = {m["memory"]}, '
                          f'has_memory {sorted(memory)}')
        if m['heap-idle'] != m['heap-sys'] - m['heap-inuse']:
            errors.append(f'node {m["node"]}: heap-idle != heap-sys - heap-inuse: {m}')
        if m['heap-released'] > m['heap-idle']:
            errors.append(f'node {m["node"]}: heap-released > heap-idle: {m}')
        if not m['memory'] and m['heap-sys']:
            errors.append(f'node {m["node"]} has no memory but heap-sys {m["heap-sys"]}')
    nodes = [m.get('node') for m in msgs]
    if nodes != sorted(possible):
        errors.append(f'messages for nodes {nodes}; possible: {sorted(possible)}')
    if errors:
        raise Fail('\n'.join(errors))
    diag(f'{len(msgs)} nodes: {nodes}, with memory: {sorted(memory)}')


def hold_objects(n, size):
    """An open /dev/memarena holding @n objects of @size bytes in its
    arena, so that the heap is not empty after a forced cycle; closing it
    frees them."""
    fd = os.open('/dev/memarena', os.O_RDWR)
    try:
        ops = (ctypes.c_uint64 * (2 * n))(*[size, 0] * n)
        cmd = bytearray(struct.pack('8Q', ctypes.addressof(ops), n, 0, 0, 0, 0, 0, 0))
        got = fcntl.ioctl(fd, DEV_ALLOC, cmd)
        if got != n:
            raise Fail(f'/dev/memarena ALLOC of {n} x {size}: {got}')
    except BaseException:
        os.close(fd)
        raise
    return fd


def t_nodes_sum():
    need_module()
    fd = hold_objects(8, 40000)		# large objects: spans of their own
    try:
        proc, replies = quiescent(lambda: {
            'get': cli('--do', 'get')[1],
            'get-nodes': cli('--dump', 'get-nodes')[1],
        })
    finally:
        os.close(fd)
    need_quiet(proc)
    msgs, reply = replies['get-nodes'], replies['get']
    if not reply['heap-sys']:
        raise Fail(f'heap-sys is 0 while objects are allocated: {reply}')
    errors = []
    for attr in NODE_SUMS:
        total = sum(m[attr] for m in msgs)
        if total != reply[attr]:
            errors.append(f'sum of per-node {attr} = {total}, get: {reply[attr]}')
    if errors:
        raise Fail('\n'.join(errors))
    diag(f'heap-sys {reply["heap-sys"]} = ' +
         ' + '.join(str(m['heap-sys']) for m in msgs))


def cli_error(out):
    """The errno match and the extack dict of a refused request's output."""
    m = re.search(r'error: (-?\d+)', out)
    e = re.search(r'extack: (\{.*\})', out)
    return m, ast.literal_eval(e.group(1)) if e else {}


def refused(op_args, attrs):
    need_module()
    rc, _, out = cli(*op_args, '--json', json.dumps(attrs), expect_ok=False)
    m, extack = cli_error(out)
    diag(f'{" ".join(op_args)} {json.dumps(attrs)}: exit {rc}, '
         f'error {m.group(1) if m else None}, extack {extack}')
    if rc == 0:
        raise Fail('the request was accepted:\n' + out)
    if not m or int(m.group(1)) != -22:
        raise Fail('not refused with EINVAL (-22):\n' + out)
    msg = extack.get('msg', '')
    if 'attribute' not in msg.lower():
        raise Fail(f'extack message {msg!r} does not mention the attribute:\n{out}')


def t_refuse_get():
    refused(('--do', 'get'), {'alloc': 1})


def t_refuse_classes():
    refused(('--dump', 'get-classes'), {'class': 1})


def t_refuse_cpus():
    refused(('--dump', 'get-cpus'), {'cpu': 0})


def t_refuse_nodes():
    refused(('--dump', 'get-nodes'), {'node': 0})


def t_refuse_pad():
    """cli.py cannot encode a pad attribute, the one attribute type inside
    the module's policy (the others are above its maxattr): send it with
    the YNL library itself."""
    need_module()
    sys.path.insert(0, os.path.join(YNL, 'tools/net/ynl'))
    try:
        from lib import YnlFamily, NlError
    finally:
        sys.path.pop(0)

    class PadYnl(YnlFamily):
        def _add_attr(self, space, name, value, search_attrs):
            attr = self.attr_sets[space][name]
            if attr['type'] == 'pad':
                return struct.pack('HH', 4, attr.value)
            return super()._add_attr(space, name, value, search_attrs)

    ynl = PadYnl(SPEC, '')
    try:
        reply = ynl.do('get', {'pad': None})
    except NlError as e:
        extack = e.nl_msg.extack or {}
        diag(f'get with an empty pad attribute: error -{e.error}, extack {extack}')
        if e.error != 22:
            raise Fail(f'refused with {os.strerror(e.error)}, not EINVAL')
        if 'attribute' not in extack.get('msg', '').lower():
            raise Fail(f'extack message {extack.get("msg")!r} does not mention '
                       'attributes')
        return
    raise Fail(f'the request was accepted: {str(reply)[:200]}')


def kernel_at_least(major, minor):
    m = re.match(r'(\d+)\.(\d+)', os.uname().release)
    return bool(m) and (int(m.group(1)), int(m.group(2))) >= (major, minor)


def t_nobody():
    need_module()
    if not shutil.which('setpriv'):
        raise Skip('setpriv not installed')
    with open(STATS_PUBLIC) as f:
        public = f.read().strip()
    if public != 'N':
        with open(STATS_PUBLIC, 'w') as f:
            f.write('0')
    try:
        reply = cli('--do', 'get', user=NOBODY)[1]
        if not isinstance(reply, dict) or 'heap-inuse' not in reply:
            raise Fail(f'get as nobody: {reply!r}')
        nodes = cli('--dump', 'get-nodes', user=NOBODY)[1]
        if (not isinstance(nodes, list) or
                {m.get('node') for m in nodes} != node_list('possible')):
            raise Fail(f'get-nodes as nobody: {nodes!r}')
        for op in ('get-classes', 'get-cpus'):
            rc, data, out = cli('--dump', op, expect_ok=False, user=NOBODY)
            m, extack = cli_error(out)
            diag(f'{op} as nobody: exit {rc}, error {m.group(1) if m else None}, '
                 f'extack {extack}')
            if rc == 0:
                raise Fail(f'{op} as nobody was answered: {str(data)[:200]}')
            if not m or int(m.group(1)) != -1:
                raise Fail(f'{op} as nobody: not refused with EPERM (-1):\n{out}')
            msg = extack.get('msg')
            # "netlink: support extack in dump ->start()", Linux 6.5.
            if msg is None and kernel_at_least(6, 5):
                raise Fail(f'{op} as nobody: no extack message:\n{out}')
            if msg is not None and msg != DETAIL_EXTACK:
                raise Fail(f'{op} as nobody: extack {msg!r}, not {DETAIL_EXTACK!r}')
    finally:
        if public != 'N':
            with open(STATS_PUBLIC, 'w') as f:
                f.write('1')


def t_still_answers():
    need_module()
    reply = cli('--do', 'get')[1]
    missing = [a for a in spec_attrs(load_spec(), 'stats') if a not in reply]
    if missing:
        raise Fail(f'reply lacks {missing}')


TESTS = [
    ('spec: validates against the genetlink schema', t_spec_schema),
    ('spec: operations reply with every attribute of their set', t_spec_ops),
    ('spec: ynl-gen-c.py --mode uapi --header renders it', t_spec_gen),
    ('spec: generated uAPI header equals include/uapi/linux/memarena.h', t_spec_uapi),
    ('get: reply has every stats attribute of the spec', t_get_attrs),
    ('get: MemStats identities hold', t_get_identities),
    ('get: pause-ns and pause-end are 256-entry u64 rings', t_get_rings),
    ('get: values equal /proc/memstats', t_get_proc),
    ('get-classes: 67 classes with Go\'s sizes', t_classes_sizes),
    ('get-classes: values equal the /proc/memstats BySize table', t_classes_proc),
    ('get-cpus: one message per possible CPU', t_cpus),
    ('get-cpus: per-CPU counters add up to get', t_cpus_sum),
    ('get-nodes: one message per possible memory node', t_nodes),
    ('get-nodes: per-node heap gauges add up to get', t_nodes_sum),
    ('get: an attribute is refused with EINVAL and an extack message', t_refuse_get),
    ('get-classes: an attribute is refused with EINVAL and an extack message', t_refuse_classes),
    ('get-cpus: an attribute is refused with EINVAL and an extack message', t_refuse_cpus),
    ('get-nodes: an attribute is refused with EINVAL and an extack message', t_refuse_nodes),
    ('get: a pad attribute is refused with EINVAL and the family\'s extack message', t_refuse_pad),
    ('the family still answers after the refused requests', t_still_answers),
    ('as nobody: get and get-nodes answer, get-classes and get-cpus are refused with EPERM',
     t_nobody),
]


def main():
    try:
        return run()
    finally:
        for d in (_gen.get('tmp'), _staged.get('top')):
            if d:
                shutil.rmtree(d, ignore_errors=True)


def run():
    print('TAP version 13')
    print(f'1..{len(TESTS)}')
    missing = [p for p in (CLI, GEN) if not os.path.exists(p)]
    failed = 0
    for num, (name, fn) in enumerate(TESTS, 1):
        try:
            if missing:
                raise Skip(f'{missing[0]} not found: run "make ynl"')
            fn()
            print(f'ok {num} {name}')
        except Skip as e:
            print(f'ok {num} {name} # SKIP {e}')
        except Fail as e:
            diag(str(e))
            print(f'not ok {num} {name}')
            failed += 1
        except Exception as e:	# a bug or an unexpected reply: this case fails
            diag(f'{type(e).__name__}: {e}')
            print(f'not ok {num} {name}')
            failed += 1
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
