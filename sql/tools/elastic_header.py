#!/usr/bin/env python3
"""Print an audithound rule header (-- key: value lines) from an Elastic detection-rules TOML.

usage: elastic_header.py RULE.toml ID SOURCE_LABEL
  e.g. elastic_header.py detection-rules/rules/integrations/kubernetes/defense_evasion_events_deleted.toml \
           events-deleted "elastic/detection-rules@14cf530f"

Copies the rule's name, ids, type, severity, risk, schedule, MITRE mapping, tags, licence and
query verbatim, and takes what/why/triage/false_positives from its description and investigation
guide. Add the `-- requires:` literals and the SQL by hand; the shipped headers were made with it.
"""
import sys, tomllib, re, textwrap

path, rid, source = sys.argv[1], sys.argv[2], sys.argv[3]
d = tomllib.load(open(path, "rb"))
r, m = d["rule"], d["metadata"]
out = []
def kv(k, v): out.append(f"-- {k}: {v}")
def block(k, text, width=96):
    out.append(f"-- {k}: |")
    for line in text.rstrip().split("\n"):
        out.append(("--   " + line).rstrip())
kv("id", rid)
kv("name", r["name"])
kv("elastic_rule_id", r["rule_id"])
kv("elastic_source", f"{source} ({path.split('realdata/')[-1]}, updated {m.get('updated_date','?')})")
kv("type", r["type"])
kv("language", r.get("language", "kuery"))
kv("severity", r["severity"])
kv("risk_score", r["risk_score"])
kv("interval", r.get("interval", "5m"))
kv("from", r.get("from", "now-6m"))
kv("max_signals", r.get("max_signals", 100))
# Elastic's field names of new-terms rules -> audithound columns.
COLUMNS = {"user_agent.original": "user_agent", "source.ip": "source_ips", "user.name": "user_name",
           "kubernetes.audit.user.username": "user_name",
           "kubernetes.audit.impersonatedUser.username": "impersonated_user_name"}
if "new_terms" in r:
    nt = r["new_terms"]
    kv("model", "new_terms")
    kv("new_terms_fields", ", ".join(COLUMNS.get(f, f) for f in nt["value"]))
    hist = [h["value"] for h in nt.get("history_window_start", [])]
    kv("history_window_start", ", ".join(hist))
mitre = []
for t in r.get("threat", []):
    tac = t["tactic"]
    techs = "; ".join(f"{x['id']} {x['name']}" for x in t.get("technique", []))
    mitre.append(f"{tac['id']} {tac['name']}" + (f"; {techs}" if techs else ""))
kv("mitre", " | ".join(mitre))
kv("tags", "; ".join(r.get("tags", [])))
kv("license", f"{r.get('license','Elastic License v2')}: query and guide text by Elastic (elastic/detection-rules), ported to SQL")
refs = r.get("references", [])
if refs:
    out.append(f"-- references: {refs[0]}")
    for x in refs[1:]:
        out.append(f"--   {x}")
block("query", r["query"].strip("\n"))
block("what", textwrap.fill(" ".join(r["description"].split()), 94))
note = r.get("note", "")
sections = re.split(r"^### ", note, flags=re.M)
def sec(prefix):
    for s in sections:
        if s.lower().startswith(prefix):
            body = s.split("\n", 1)[1].strip() if "\n" in s else ""
            lines = []
            for para in body.split("\n"):
                para = para.strip()
                if not para: continue
                if para.startswith("- "):
                    lines.extend(textwrap.wrap(para, 94, subsequent_indent="  "))
                else:
                    lines.extend(textwrap.wrap(para, 94))
            return "\n".join(lines)
    return ""
why = sec("investigating")
block("why", why or textwrap.fill(" ".join(r["description"].split()), 94))
block("triage", sec("possible investigation") or "- Review the matching events' user, source IPs, user agent and object.")
block("false_positives", sec("false positive") or r.get("false_positives", ["-"])[0])
print("\n".join(out))
