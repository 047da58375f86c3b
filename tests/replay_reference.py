#!/usr/bin/env python3
"""The schedule of `audithound replay`, written plainly: every execution, every window
recomputed from the whole list of matches. It is the specification the streaming Rust version
(src/query/replay/simulate.rs) is tested against (tests/cli/replay.rs).

Input (stdin), JSON:
    {"interval": 300000000, "lookback": 360000000, "max_signals": 100, "start": null,
     "events": [["2026-01-05T08:00:00.123456Z", "<alert id>"], ...]}
    Durations in microseconds; times RFC 3339 (as `hunt --format ndjson` writes them) or
    microseconds; `start` null means the first event's time floored to the interval.
Output (stdout), JSON: {"executions": [...], "summary": {...}, "alerts": [[time, id], ...]}
    Executions are listed when their window holds a match, with the fields of
    `replay --format ndjson`; the summary has the keys of `replay --summary FILE`.

The rules, as Elastic's detection engine applies them:
  * executions at start + k * interval, k = 0, 1, ..., while the window can still hold the
    last match (t - lookback <= last match);
  * execution t searches [t - lookback, t): start included, end excluded;
  * its matches are taken by time, then by alert id;
  * a match whose alert id is already raised is a duplicate (an id stays raised while the
    match that raised it is inside the window: the overlap is what searches a match again);
  * otherwise it is raised while fewer than max_signals were raised by this execution,
    and dropped after that.

Standard library only.
"""

import bisect
import datetime
import json
import sys

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def micros(value):
    if isinstance(value, int):
        return value
    text = value.replace("Z", "+00:00")
    head, _, zone = text.partition("+")
    date, _, frac = head.partition(".")
    t = datetime.datetime.fromisoformat(date + "+" + zone)
    delta = t - EPOCH
    us = (delta.days * 86_400 + delta.seconds) * 1_000_000
    return us + int((frac + "000000")[:6]) if frac else us


def rfc3339(us):
    t = EPOCH + datetime.timedelta(microseconds=us)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def replay(events, interval, lookback, max_signals, start=None):
    events = sorted((micros(t), i) for t, i in events)
    times = [t for t, _ in events]
    executions, alerts = [], []
    count = {"executions": 0, "with_hits": 0, "capped": 0, "raised": 0, "dropped": 0, "dups": 0}
    first = last = None
    raised_at = {}  # alert id -> time of the match that raised it
    seen = [False] * len(events)
    raised = [False] * len(events)
    dropped = [False] * len(events)
    duplicate = [False] * len(events)
    if events:
        start = times[0] // interval * interval if start is None else micros(start)
        k = 0
        while start + k * interval - lookback <= times[-1]:
            t = start + k * interval
            lo = bisect.bisect_left(times, t - lookback)
            hi = bisect.bisect_left(times, t)
            n_raised = n_dropped = n_dups = 0
            for j in range(lo, hi):
                ts, aid = events[j]
                seen[j] = True
                if aid in raised_at and raised_at[aid] >= t - lookback:
                    n_dups += 1
                    duplicate[j] = True
                elif n_raised < max_signals:
                    n_raised += 1
                    raised[j] = True
                    raised_at[aid] = ts
                    alerts.append([rfc3339(t), aid])
                else:
                    n_dropped += 1
                    dropped[j] = True
            hits = hi - lo
            if hits:
                executions.append({
                    "execution": k,
                    "time": rfc3339(t),
                    "window_start": rfc3339(t - lookback),
                    "window_end": rfc3339(t),
                    "hits": hits,
                    "raised": n_raised,
                    "dropped": n_dropped,
                    "duplicates": n_dups,
                })
            count["executions"] += 1
            count["with_hits"] += hits > 0
            count["capped"] += n_dropped > 0
            count["raised"] += n_raised
            count["dropped"] += n_dropped
            count["dups"] += n_dups
            first = t if first is None else first
            last = t
            k += 1
    summary = {
        "executions": count["executions"],
        "executions_with_hits": count["with_hits"],
        "executions_capped": count["capped"],
        "matching_events": len(events),
        "alerts_raised": count["raised"],
        "dropped_by_cap": count["dropped"],
        "duplicates_suppressed": count["dups"],
        "events_never_alerted_because_of_cap": sum(
            1 for j in range(len(events)) if dropped[j] and not raised[j] and not duplicate[j]
        ),
        "events_never_searched": seen.count(False),
        "first_execution": None if first is None else rfc3339(first),
        "last_execution": None if last is None else rfc3339(last),
    }
    return {"executions": executions, "summary": summary, "alerts": alerts}


def main():
    args = json.load(sys.stdin)
    out = replay(
        args["events"],
        args["interval"],
        args["lookback"],
        args["max_signals"],
        args.get("start"),
    )
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
