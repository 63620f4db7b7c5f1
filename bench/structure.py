#!/usr/bin/env python3
"""The code's structure, counted: for each crate of the workspace (or the
one crate of an older tree), its top-level modules, the import cycles
among them (strongly connected groups of `crate::MODULE` references,
comments left out), the pairs of modules that import each other, and its
`pub` and `pub(crate)` items (fields included).

    python3 bench/structure.py [TREE]
"""
import os, re, sys
from collections import defaultdict

ITEM = re.compile(r'^\s*pub (fn|struct|enum|const|static|type|trait|mod|use|unsafe fn)\b', re.M)
FIELD = re.compile(r'^\s+pub (r#)?\w+\s*:', re.M)
CRATE_ITEM = re.compile(r'^\s*pub\(crate\) ', re.M)


def code(text):
    """The text without comments (line comments and doc comments)."""
    return '\n'.join(l.split('//')[0] if '"' not in l else l
                     for l in text.split('\n') if not l.lstrip().startswith('//'))


def crate_modules(src):
    mods = {}
    for name in os.listdir(src):
        path = os.path.join(src, name)
        if name.endswith('.rs') and name not in ('lib.rs', 'main.rs'):
            mods[name[:-3]] = [path]
        elif os.path.isdir(path):
            mods[name] = [os.path.join(dp, f) for dp, _, fs in os.walk(path) for f in fs if f.endswith('.rs')]
    return mods


def sccs(nodes, edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1; stack.append(v); on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop(); on.discard(w); group.append(w)
                if w == v:
                    break
            out.append(group)
    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def report(label, src):
    mods = crate_modules(src)
    edges = defaultdict(set)
    pub = pub_crate = 0
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(src) for f in fs if f.endswith('.rs')]
    for path in files:
        text = open(path).read()
        pub += len(ITEM.findall(text)) + len(FIELD.findall(text))
        pub_crate += len(CRATE_ITEM.findall(text))
    for mod, paths in mods.items():
        for path in paths:
            text = code(open(path).read())
            for m in re.finditer(r'crate::(\w+)', text):
                if m.group(1) in mods and m.group(1) != mod:
                    edges[mod].add(m.group(1))
            for m in re.finditer(r'crate::\{([^}]*)\}', text):
                for n in re.findall(r'\w+', m.group(1)):
                    if n in mods and n != mod:
                        edges[mod].add(n)
    cycles = [sorted(g) for g in sccs(mods, edges) if len(g) > 1]
    mutual = sorted((a, b) for a in edges for b in edges[a] if a < b and a in edges[b])
    in_cycles = sum(len(c) for c in cycles)
    print(f'{label}: {len(mods)} modules, {in_cycles} in {len(cycles)} cycle(s), '
          f'{len(mutual)} mutual pairs, {pub} pub items, {pub_crate} pub(crate) items')
    for c in cycles:
        print(f'  cycle: {" ".join(c)}')
    return len(mods), in_cycles, len(mutual), pub, pub_crate


def main():
    tree = sys.argv[1] if len(sys.argv) > 1 else '.'
    totals = [0, 0, 0, 0, 0]
    crates = [('devenv (src/)', os.path.join(tree, 'src'))]
    cdir = os.path.join(tree, 'crates')
    if os.path.isdir(cdir):
        crates += [(f'devenv-{c}', os.path.join(cdir, c, 'src')) for c in sorted(os.listdir(cdir))]
    for label, src in crates:
        for i, n in enumerate(report(label, src)):
            totals[i] += n
    print(f'total: {totals[0]} modules, {totals[1]} in cycles, {totals[2]} mutual pairs, '
          f'{totals[3]} pub items, {totals[4]} pub(crate) items')


main()
