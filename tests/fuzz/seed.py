#!/usr/bin/env python3
"""Seed corpora for the fuzz targets from the repository's real inputs (run from anywhere).

  parse_line   every line of tests/fixtures (real Falco, audit2rbac, AKS, Panther, Elastic events,
               every wrapper shape, escaped and secret-bearing cases) and data/*.jsonl
  timestamp    every timestamp-looking string in those lines
  rule_header  every shipped rule file
  prefilter    the same lines as parse_line
"""
import gzip, pathlib, re, hashlib

root = pathlib.Path(__file__).resolve().parents[2]
out = pathlib.Path(__file__).resolve().parent / "corpus"

def put(target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)

lines = []
for p in sorted((root / "tests" / "fixtures").rglob("*")) + sorted((root / "data").glob("*.jsonl*")):
    if not p.is_file() or p.suffix in (".md", ".py", ".txt", ".toml"):
        continue
    raw = p.read_bytes()
    if p.suffix == ".gz":
        raw = gzip.decompress(raw)
    elif p.suffix == ".zst":
        continue
    lines += [l for l in raw.split(b"\n") if l.strip()][:400]
stamps = set()
for l in lines:
    if len(l) <= 64 * 1024:
        put("parse_line", l)
        put("prefilter", l)
    stamps.update(re.findall(rb'"(\d{4}-\d\d-\d\dT[^"]{1,40})"', l))
for s in sorted(stamps)[:2000]:
    put("timestamp", s)
for p in sorted((root / "sql" / "rules").glob("*.sql")):
    put("rule_header", p.read_bytes())
for t in ("parse_line", "timestamp", "rule_header", "prefilter"):
    print(t, len(list((out / t).iterdir())))
