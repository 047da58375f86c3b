#!/usr/bin/env python3
"""Cross-check audithound against DuckDB on the same audit log (issue 4's correctness check).

  python3 benches/crosscheck.py AUDITHOUND_BINARY EVENTS.jsonl [ARCHIVE]

DuckDB reads the raw JSON lines and applies the rule's exact meaning (user name starts with
`system:serviceaccount:`, decision = `forbid`); audithound hunts the raw file and, if given, the
archive made from it. The alerts must be the same events (audit id, stage, time), and the
(account, verb, resource) counts of `stats` must equal DuckDB's GROUP BY. Needs `pip install duckdb`.
Prints what it compared and exits 1 on any difference.
"""
import json, subprocess, sys
import duckdb

exe, src = sys.argv[1], sys.argv[2]
archive = sys.argv[3] if len(sys.argv) > 3 else None

q = f"""
SELECT auditID AS audit_id, stage,
       strftime(CAST(COALESCE(stageTimestamp, requestReceivedTimestamp) AS TIMESTAMPTZ) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS t,
       "user".username AS account, verb,
       CASE WHEN objectRef.resource IS NULL THEN split_part(requestURI, '?', 1)
            WHEN COALESCE(objectRef.subresource, '') = '' THEN objectRef.resource
            ELSE objectRef.resource || '/' || objectRef.subresource END AS resource
FROM read_json('{src}', format='newline_delimited', maximum_object_size=16777216,
     columns={{auditID:'VARCHAR', stage:'VARCHAR', verb:'VARCHAR', requestURI:'VARCHAR',
              requestReceivedTimestamp:'VARCHAR', stageTimestamp:'VARCHAR',
              "user":'STRUCT(username VARCHAR)',
              objectRef:'STRUCT(resource VARCHAR, subresource VARCHAR)',
              annotations:'JSON'}})
WHERE starts_with("user".username, 'system:serviceaccount:')
  AND annotations->>'$."authorization.k8s.io/decision"' = 'forbid'
"""
con = duckdb.connect()
duck = con.execute(q).fetchall()
duck_events = sorted((a, s, t) for a, s, t, *_ in duck)
duck_groups = {}
for _, _, _, acc, verb, res in duck:
    duck_groups[(acc, verb, res)] = duck_groups.get((acc, verb, res), 0) + 1

def ours(cmd, path):
    out = subprocess.run([exe, cmd, path, "--format", "ndjson"], check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]

ok = True
for label, path in [("raw", src)] + ([("archive", archive)] if archive else []):
    alerts = ours("hunt", path)
    mine = sorted((a["audit_id"], a["stage"], a["event_time"]) for a in alerts)
    same = mine == duck_events
    groups = {(r["account"], r["verb"], r["resource"]): r["count"] for r in ours("stats", path)}
    same_groups = groups == duck_groups
    print(f"{label}: {len(mine)} alerts vs DuckDB {len(duck_events)}: {'same events' if same else 'DIFFERENT'}; "
          f"{len(groups)} stats groups vs {len(duck_groups)}: {'same counts' if same_groups else 'DIFFERENT'}")
    ok = ok and same and same_groups
sys.exit(0 if ok else 1)
