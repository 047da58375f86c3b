//! The schedule itself, on matches already sorted by their timestamp: executions every
//! `interval` from `start`, each searching `[t - lookback, t)`, raising at most `max_signals`
//! alerts in timestamp order and skipping the ids it raised before.
//!
//! It streams: matches are pushed one by one in timestamp order and only those still inside a
//! future look-back are kept ([`Simulator::push`]); an execution runs as soon as no later match
//! can fall into its window. An id counts as raised while the match that raised it is inside the
//! window: the overlap of consecutive look-backs is what searches a match again, so that is all
//! the deduplication has to cover, and the set of raised ids shrinks as windows move on. Runs of
//! executions over empty windows are counted, not iterated (a month of quiet costs nothing).
//!
//! `tests/replay_reference.py` is the same schedule written plainly (every execution, every
//! window recomputed); the CLI tests check the two agree.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::error::{Error, Result};
use crate::ingest::timestamp::MICROS_PER_DAY;

/// How the rule runs: Elastic's `interval`, `from` (as a duration) and `max_signals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Time between executions, microseconds.
    pub interval: i64,
    /// What one execution searches, back from its start, microseconds (`from: now-6m` → 6 min).
    pub lookback: i64,
    /// Alerts one execution raises at most; the rest of its matches are dropped.
    pub max_signals: u64,
}

/// One execution of the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Execution {
    /// 0 for the execution at `start`, then one per interval.
    pub index: u64,
    /// When it ran (the end of its window, exclusive), microseconds.
    pub time: i64,
    /// Matches inside `[time - lookback, time)`.
    pub hits: u64,
    /// Alerts it raised (at most `max_signals`).
    pub raised: u64,
    /// Matches with an id not raised before that did not fit under `max_signals`.
    pub dropped: u64,
    /// Matches whose alert id was already raised (by an earlier execution, or earlier in this
    /// one), suppressed as Elastic suppresses an alert whose `_id` exists.
    pub duplicates: u64,
}

/// Totals of a run (of the executions and matches inside the counted range, if one is set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub executions: u64,
    pub executions_with_hits: u64,
    /// Executions that dropped matches because of `max_signals`.
    pub executions_capped: u64,
    pub matches: u64,
    pub raised: u64,
    /// Sum over executions (a match dropped by two overlapping executions counts twice).
    pub dropped: u64,
    pub duplicates: u64,
    /// Matches never raised because every execution that saw them was full.
    pub never_alerted_cap: u64,
    /// Matches inside no execution's window (before `start`, or in a gap when the look-back is
    /// shorter than the interval).
    pub never_searched: u64,
    /// The first and last execution counted.
    pub first_execution: Option<i64>,
    pub last_execution: Option<i64>,
    /// Per UTC day (days since 1970): (matches by their timestamp, alerts by execution time).
    pub per_day: BTreeMap<i64, (u64, u64)>,
}

/// Where the simulator sends what it finds.
pub trait Sink<P> {
    /// An alert raised by execution `exec` (index, time) for `payload`.
    fn alert(&mut self, index: u64, time: i64, payload: &P) -> Result<()>;
    /// An execution that ran; with `all` off, only those whose window held a match.
    fn execution(&mut self, e: &Execution) -> Result<()>;
}

struct Pending<P> {
    ts: i64,
    id: String,
    payload: P,
    /// Windows it was in so far.
    windows: u32,
    raised: bool,
    dropped: bool,
    duplicate: bool,
}

/// The streaming schedule. Push matches in timestamp order, then [`Simulator::finish`].
pub struct Simulator<P> {
    s: Schedule,
    /// The execution grid's origin (`None`: the first match's time floored to the interval).
    start: Option<i64>,
    /// Only executions and matches with a time in `[from, to)` are counted and reported; the
    /// others run too, so the state at `from` is what it would have been.
    count: Option<(i64, i64)>,
    /// Report executions whose window is empty too.
    all: bool,
    /// Index of the next execution to run (relative to `start`).
    next: u64,
    window: VecDeque<Pending<P>>,
    /// Ids raised by matches still in `window`, and how many such matches hold each.
    raised: HashMap<String, u32>,
    last_ts: Option<i64>,
    totals: Totals,
}

impl<P> Simulator<P> {
    pub fn new(s: Schedule, start: Option<i64>, count: Option<(i64, i64)>, all: bool) -> Self {
        Self {
            s,
            start,
            count,
            all,
            next: 0,
            window: VecDeque::new(),
            raised: HashMap::new(),
            last_ts: None,
            totals: Totals::default(),
        }
    }

    fn counted(&self, t: i64) -> bool {
        self.count.is_none_or(|(a, b)| a <= t && t < b)
    }

    fn time_of(&self, index: u64) -> i64 {
        let start = self.start.unwrap_or(0);
        let k = i64::try_from(index).unwrap_or(i64::MAX);
        start.saturating_add(self.s.interval.saturating_mul(k))
    }

    /// Adds the next match (`ts` must not go back in time).
    pub fn push(&mut self, ts: i64, id: String, payload: P, sink: &mut dyn Sink<P>) -> Result<()> {
        if let Some(last) = self.last_ts
            && ts < last
        {
            return Err(Error::Usage(format!(
                "replay: matches came out of order ({ts} after {last}); this is a bug, please report it"
            )));
        }
        if self.start.is_none() {
            self.start = Some(ts.div_euclid(self.s.interval) * self.s.interval);
        }
        self.last_ts = Some(ts);
        // Every execution at or before `ts` is complete: its window ends before this match.
        self.run_through(ts, sink)?;
        if self.counted(ts) {
            self.totals.matches += 1;
            self.totals
                .per_day
                .entry(ts.div_euclid(MICROS_PER_DAY))
                .or_default()
                .0 += 1;
        }
        self.window.push_back(Pending {
            ts,
            id,
            payload,
            windows: 0,
            raised: false,
            dropped: false,
            duplicate: false,
        });
        Ok(())
    }

    /// Runs the remaining executions, until the last match has left the look-back and through
    /// `through` if given, and returns the totals.
    pub fn finish(mut self, through: Option<i64>, sink: &mut dyn Sink<P>) -> Result<Totals> {
        // The last execution whose window can hold the last match: t - lookback <= last.
        let last = self.last_ts.map(|l| l.saturating_add(self.s.lookback));
        if let Some(limit) = last.max(through) {
            self.run_through(limit, sink)?;
        }
        let rest = std::mem::take(&mut self.window);
        for p in &rest {
            self.retire(p);
        }
        Ok(self.totals)
    }

    /// Runs every execution with a time at or before `limit`.
    fn run_through(&mut self, limit: i64, sink: &mut dyn Sink<P>) -> Result<()> {
        let Some(start) = self.start else {
            return Ok(());
        };
        loop {
            let t = self.time_of(self.next);
            if t > limit {
                return Ok(());
            }
            self.expire(t);
            if self.window.is_empty() && !self.all {
                // Nothing to search until a match arrives: count the empty executions up to
                // `limit` at once.
                let last = (limit - start).div_euclid(self.s.interval) as u64;
                self.count_empty(self.next, last);
                self.next = last + 1;
                return Ok(());
            }
            self.execute(t, sink)?;
            self.next += 1;
        }
    }

    /// Counts executions `first..=last` whose windows are empty.
    fn count_empty(&mut self, first: u64, last: u64) {
        if last < first {
            return;
        }
        let (a, b) = (self.time_of(first), self.time_of(last));
        let (lo, hi) = match self.count {
            None => (a, b),
            Some((from, to)) => (a.max(from), b.min(to - 1)),
        };
        if lo > hi {
            return;
        }
        // Grid points of [lo, hi]: the first at or after lo, the last at or before hi.
        let start = self.start.unwrap_or(0);
        let i = self.s.interval;
        let k0 = (lo - start + i - 1).div_euclid(i);
        let k1 = (hi - start).div_euclid(i);
        if k1 < k0 {
            return;
        }
        let n = (k1 - k0 + 1) as u64;
        self.totals.executions += n;
        let (t0, t1) = (start + k0 * i, start + k1 * i);
        self.totals.first_execution.get_or_insert(t0);
        self.totals.last_execution = Some(t1);
    }

    /// Drops the matches that no later window can hold (before `t - lookback`).
    fn expire(&mut self, t: i64) {
        let edge = t.saturating_sub(self.s.lookback);
        while self.window.front().is_some_and(|p| p.ts < edge) {
            if let Some(p) = self.window.pop_front() {
                self.retire(&p);
            }
        }
    }

    /// A match leaves the look-back for good: its fate is settled.
    fn retire(&mut self, p: &Pending<P>) {
        if p.raised
            && let Some(n) = self.raised.get_mut(&p.id)
        {
            *n -= 1;
            if *n == 0 {
                self.raised.remove(&p.id);
            }
        }
        if !self.counted(p.ts) {
            return;
        }
        if p.windows == 0 {
            self.totals.never_searched += 1;
        } else if !p.raised && !p.duplicate && p.dropped {
            self.totals.never_alerted_cap += 1;
        }
    }

    /// One execution at `t` over the window (every match in `window` is inside it).
    fn execute(&mut self, t: i64, sink: &mut dyn Sink<P>) -> Result<()> {
        let mut e = Execution {
            index: self.next,
            time: t,
            hits: 0,
            raised: 0,
            dropped: 0,
            duplicates: 0,
        };
        let counted = self.counted(t);
        for p in &mut self.window {
            e.hits += 1;
            p.windows += 1;
            if self.raised.get(&p.id).is_some_and(|n| *n > 0) {
                e.duplicates += 1;
                p.duplicate = true;
            } else if e.raised < self.s.max_signals {
                e.raised += 1;
                p.raised = true;
                *self.raised.entry(p.id.clone()).or_default() += 1;
                if counted {
                    sink.alert(e.index, t, &p.payload)?;
                }
            } else {
                e.dropped += 1;
                p.dropped = true;
            }
        }
        if !counted {
            return Ok(());
        }
        let tot = &mut self.totals;
        tot.executions += 1;
        tot.first_execution.get_or_insert(t);
        tot.last_execution = Some(t);
        if e.hits > 0 {
            tot.executions_with_hits += 1;
        }
        if e.dropped > 0 {
            tot.executions_capped += 1;
        }
        tot.raised += e.raised;
        tot.dropped += e.dropped;
        tot.duplicates += e.duplicates;
        if e.raised > 0 {
            tot.per_day
                .entry(t.div_euclid(MICROS_PER_DAY))
                .or_default()
                .1 += e.raised;
        }
        if e.hits > 0 || self.all {
            sink.execution(&e)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000_000;

    #[derive(Default)]
    struct Collect {
        alerts: Vec<(u64, String)>,
        executions: Vec<Execution>,
    }

    impl Sink<String> for Collect {
        fn alert(&mut self, index: u64, _time: i64, payload: &String) -> Result<()> {
            self.alerts.push((index, payload.clone()));
            Ok(())
        }
        fn execution(&mut self, e: &Execution) -> Result<()> {
            self.executions.push(*e);
            Ok(())
        }
    }

    fn elastic() -> Schedule {
        Schedule {
            interval: 5 * MIN,
            lookback: 6 * MIN,
            max_signals: 100,
        }
    }

    fn run(
        s: Schedule,
        start: Option<i64>,
        count: Option<(i64, i64)>,
        events: &[(i64, &str)],
    ) -> (Collect, Totals) {
        let mut sim = Simulator::new(s, start, count, false);
        let mut c = Collect::default();
        for (ts, id) in events {
            sim.push(*ts, (*id).to_owned(), (*id).to_owned(), &mut c)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let t = sim.finish(None, &mut c).unwrap_or_else(|e| panic!("{e}"));
        (c, t)
    }

    #[test]
    fn window_edges() {
        // Executions at 0, 5, 10, 15 min: [t - 6m, t).
        let t = 10 * MIN;
        let (c, tot) = run(
            elastic(),
            Some(0),
            None,
            &[
                (t - 6 * MIN, "at-start"),
                (t - 1, "just-before"),
                (t, "at-t"),
            ],
        );
        // at-start (4 min): in the 5-min execution ([-1m, 5m)) and the 10-min one ([4m, 10m)).
        assert_eq!(c.alerts[0], (1, "at-start".to_owned()));
        // just-before: first seen at 10 min; at-t: not at 10 min (end exclusive), at 15.
        assert_eq!(c.alerts[1], (2, "just-before".to_owned()));
        assert_eq!(c.alerts[2], (3, "at-t".to_owned()));
        assert_eq!(c.alerts.len(), 3);
        let at10 = c
            .executions
            .iter()
            .find(|e| e.time == t)
            .unwrap_or_else(|| panic!());
        assert_eq!((at10.hits, at10.raised, at10.duplicates), (2, 1, 1));
        assert_eq!(tot.raised, 3);
        assert_eq!(tot.matches, 3);
        assert_eq!(tot.duplicates, 2, "at-start and just-before seen twice");
        // 0, 5, 10 and 15 min: the last window that can hold `at-t` (10 min) is 15's, [9m, 15m).
        assert_eq!(tot.executions, 4);
        assert_eq!(tot.last_execution, Some(15 * MIN));
    }

    #[test]
    fn a_burst_is_capped_and_the_overlap_catches_up() {
        // 250 matches spread over [5m, 10m): the 10-min execution raises 100 and drops 150;
        // those in [9m, 10m) are in the 15-min execution's overlap and raised there.
        let ids: Vec<String> = (0..250).map(|i| format!("e{i:03}")).collect();
        let events: Vec<(i64, &str)> = ids
            .iter()
            .enumerate()
            .zip(0i64..)
            .map(|((_, id), i)| (5 * MIN + i * (5 * MIN / 250), id.as_str()))
            .collect();
        let in_overlap = events.iter().filter(|(ts, _)| *ts >= 9 * MIN).count() as u64;
        assert_eq!(in_overlap, 50);
        let (c, tot) = run(elastic(), Some(0), None, &events);
        let e10 = c
            .executions
            .iter()
            .find(|e| e.time == 10 * MIN)
            .unwrap_or_else(|| panic!());
        assert_eq!((e10.hits, e10.raised, e10.dropped), (250, 100, 150));
        let e15 = c
            .executions
            .iter()
            .find(|e| e.time == 15 * MIN)
            .unwrap_or_else(|| panic!());
        assert_eq!((e15.hits, e15.raised, e15.dropped), (50, 50, 0));
        assert_eq!(tot.raised, 150);
        assert_eq!(tot.never_alerted_cap, 100);
        assert_eq!(tot.executions_capped, 1);
        // The first 100 by time are raised at 10 min.
        assert!(c.alerts[..100].iter().all(|(i, _)| *i == 2));
        assert_eq!(c.alerts[0].1, "e000");
        assert_eq!(c.alerts[99].1, "e099");
        assert_eq!(c.alerts[100].1, "e200");
    }

    #[test]
    fn the_same_id_twice_alerts_once() {
        let (c, tot) = run(
            elastic(),
            None,
            None,
            &[(MIN, "x"), (MIN, "x"), (2 * MIN, "y")],
        );
        assert_eq!(c.alerts.len(), 2);
        assert_eq!(tot.duplicates, 1);
        assert_eq!(tot.never_alerted_cap, 0);
    }

    #[test]
    fn quiet_stretches_are_counted_not_run() {
        let day = MICROS_PER_DAY;
        let (c, tot) = run(elastic(), None, None, &[(MIN, "a"), (30 * day + MIN, "b")]);
        assert_eq!(c.executions.len(), 2);
        // From 0 to 30 days + 6 min: every 5 min.
        assert_eq!(
            tot.executions,
            (30 * day + 6 * MIN) as u64 / (5 * MIN) as u64 + 1
        );
        assert_eq!(tot.executions_with_hits, 2);
        assert_eq!(tot.per_day.len(), 2);
    }

    #[test]
    fn a_look_back_shorter_than_the_interval_leaves_gaps() {
        let s = Schedule {
            interval: 5 * MIN,
            lookback: 4 * MIN,
            max_signals: 100,
        };
        // [1m, 5m) is searched by the 5-min execution; [0, 1m) by none.
        let (c, tot) = run(s, Some(0), None, &[(30_000_000, "gap"), (2 * MIN, "seen")]);
        assert_eq!(c.alerts.len(), 1);
        assert_eq!(tot.never_searched, 1);
    }

    #[test]
    fn only_the_counted_range_is_reported() {
        // Counting from 10 min: the 5-min execution warms up (raises `early`), so the 10-min
        // one sees it as a duplicate and does not report an alert for it.
        let (c, tot) = run(
            elastic(),
            Some(0),
            Some((10 * MIN, 20 * MIN)),
            &[(4 * MIN + 30_000_000, "early"), (7 * MIN, "late")],
        );
        assert_eq!(c.alerts, vec![(2, "late".to_owned())]);
        assert_eq!(tot.raised, 1);
        assert_eq!(tot.duplicates, 1);
        assert_eq!(tot.matches, 0, "both matches are before 10 min");
        assert_eq!(tot.first_execution, Some(10 * MIN));
        assert_eq!(
            tot.executions, 1,
            "10 min; 15 min's window cannot hold `late`"
        );
        // Run through the range's end: 10 and 15 min, the empty one counted too.
        let sim = Simulator::new(elastic(), Some(0), Some((10 * MIN, 20 * MIN)), false);
        let mut c = Collect::default();
        let tot = sim
            .finish(Some(20 * MIN - 1), &mut c)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((tot.executions, tot.first_execution), (2, Some(10 * MIN)));
        assert!(c.executions.is_empty());
    }

    #[test]
    fn out_of_order_is_an_error() {
        let mut sim = Simulator::new(elastic(), None, None, false);
        let mut c = Collect::default();
        assert!(sim.push(10, "a".into(), String::new(), &mut c).is_ok());
        assert!(sim.push(5, "b".into(), String::new(), &mut c).is_err());
    }
}
