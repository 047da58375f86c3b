//! Planning: every request decided with the dice before it is rendered. Background requests
//! follow the day's rhythm and the actors' weighted operations; denials, the daily attack
//! burst and the look-alikes follow the stories in the model file.
//!
//! All randomness is drawn here, in a fixed order, so that rendering can be a pure function
//! of a [`Req`]; that split is what makes the same seed give the same bytes.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use chrono::{Datelike, NaiveDate, Weekday};

use super::GenerateOptions;
use super::model::{ANY_NS, Model, NO_NS, NON_RESOURCE, Op, Probe, Role, Scope};
use super::prim::{Clock, DAY_US, Dice, Level, Outcome, SEC_US, Stage, Verb, span};
use super::world::{World, build_world};

/// A request for a non-resource path.
fn path_op(path: u8) -> Op {
    Op {
        verb: Verb::Get,
        res: NON_RESOURCE,
        sub: "",
        scope: Scope::All,
        path,
        weight: 1,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameRef {
    None,
    Pool(u16),
    Own,
}

pub(super) const NO_ACTOR: u32 = u32::MAX;

/// One API request, fully decided; rendering it needs no randomness.
#[derive(Debug, Clone, Copy)]
pub(super) struct Req {
    pub(super) received: i64,
    /// `stageTimestamp` of the RequestReceived event.
    pub(super) rr_at: i64,
    /// `stageTimestamp` of the response event.
    pub(super) done_at: i64,
    pub(super) id: u128,
    /// Seed for render-time variations (uids, resource versions, body details).
    pub(super) body: u64,
    pub(super) actor: u32,
    /// The impersonated actor, or [`NO_ACTOR`].
    pub(super) imp: u32,
    pub(super) cluster: u32,
    pub(super) verb: Verb,
    pub(super) res: u8,
    pub(super) sub: &'static str,
    pub(super) ns: u8,
    pub(super) name: NameRef,
    pub(super) path: u8,
    /// Query-string variant for lists.
    pub(super) query: u8,
    pub(super) level: Level,
    pub(super) outcome: Outcome,
    pub(super) ip: u16,
    pub(super) ua: u16,
    pub(super) reason: u16,
    /// Only the RequestReceived event (the last request when one event is left).
    pub(super) rr_only: bool,
}

impl Req {
    pub(super) fn response_stage(&self) -> Stage {
        if (self.verb == Verb::Watch && self.outcome == Outcome::Ok)
            || self.outcome == Outcome::Upgraded
        {
            Stage::ResponseStarted
        } else {
            Stage::ResponseComplete
        }
    }
}

/// Maps a position in `[0, 1)` of the background to a time, following the model's hour-of-day
/// weights (weekends at its weekend fraction). Positions only grow, so a cursor finds the hour.
pub(super) struct Rhythm {
    pub(super) cum: Vec<f64>,
    pub(super) hour: usize,
    pub(super) start_us: i64,
    pub(super) span_us: f64,
}

impl Rhythm {
    pub(super) fn new(m: &Model, start: NaiveDate, days: u32, start_us: i64) -> Self {
        let mut cum = vec![0.0];
        let mut total = 0.0;
        for d in 0..days {
            let weekend = start
                .checked_add_days(chrono::Days::new(u64::from(d)))
                .is_some_and(|date| matches!(date.weekday(), Weekday::Sat | Weekday::Sun));
            for &w in &m.hourly {
                total += if weekend { w * m.weekend } else { w };
                cum.push(total);
            }
        }
        for c in &mut cum {
            *c /= total;
        }
        Self {
            cum,
            hour: 0,
            start_us,
            // Keep the last responses (latency < 1.5 s) inside the last day.
            span_us: (i64::from(days) * DAY_US - 2 * SEC_US) as f64,
        }
    }

    pub(super) fn at(&mut self, p: f64) -> i64 {
        let hours = self.cum.len() - 1;
        while self.hour + 1 < hours && self.cum[self.hour + 1] <= p {
            self.hour += 1;
        }
        let (lo, hi) = (self.cum[self.hour], self.cum[self.hour + 1]);
        let frac = if hi > lo {
            ((p - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.start_us + ((self.hour as f64 + frac) / hours as f64 * self.span_us) as i64
    }
}

/// An event waiting in time order.
pub(super) struct Pending {
    pub(super) at: i64,
    pub(super) seq: u64,
    pub(super) stage: Stage,
    pub(super) req: Req,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    /// Reversed: `BinaryHeap` is a max-heap and we want the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .cmp(&self.at)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// A namespace for "any namespace" requests: mostly application namespaces.
pub(super) fn any_ns(m: &Model, dice: &mut Dice) -> u8 {
    if dice.chance(0.75) {
        *dice.pick(&m.app_namespaces)
    } else {
        m.ns_kube_system
    }
}

pub(super) fn level_for(m: &Model, dice: &mut Dice, verb: Verb, res: u8, sub: &str) -> Level {
    let role = m.role(res);
    if res == NON_RESOURCE
        || matches!(role, Role::Secrets | Role::TokenReviews)
        || sub == "exec"
        || sub == "log"
    {
        return Level::Metadata;
    }
    if matches!(role, Role::Ssar | Role::Ssrr) {
        return Level::RequestResponse;
    }
    if role == Role::ServiceAccounts && sub == "token" {
        return if dice.chance(0.3) {
            Level::Request
        } else {
            Level::Metadata
        };
    }
    let x = dice.below(100);
    let (metadata, request) = match verb {
        Verb::Create | Verb::Update | Verb::Patch => (52, 74),
        Verb::Get => (92, 96),
        _ => (95, 100),
    };
    if x < metadata {
        Level::Metadata
    } else if x < request {
        Level::Request
    } else {
        Level::RequestResponse
    }
}

/// How an authorized request ends: mostly 200/201, sometimes 404, 409, 422, 500 or a webhook.
pub(super) fn allowed_outcome(m: &Model, dice: &mut Dice, r: &Req) -> Outcome {
    if r.res == NON_RESOURCE {
        return Outcome::Ok;
    }
    if r.sub == "exec" {
        return Outcome::Upgraded;
    }
    let role = m.role(r.res);
    let webhooked = matches!(role, Role::Pods | Role::Deployments | Role::ConfigMaps)
        && r.sub.is_empty()
        && r.ns != m.ns_kube_system;
    let x = dice.unit();
    match r.verb {
        Verb::Create => {
            if matches!(role, Role::Ssar | Role::Ssrr | Role::TokenReviews) || !r.sub.is_empty() {
                Outcome::Created
            } else if x < 0.015 {
                Outcome::AlreadyExists
            } else if x < 0.023 {
                Outcome::Invalid
            } else if x < 0.025 {
                Outcome::ServerError
            } else if x < 0.028 && webhooked {
                Outcome::WebhookDenied
            } else {
                Outcome::Created
            }
        }
        Verb::Get if x < 0.04 => Outcome::NotFound,
        Verb::Update if x < 0.03 => Outcome::Conflict,
        Verb::Update if x < 0.033 => Outcome::Invalid,
        Verb::Update if x < 0.034 => Outcome::ServerError,
        Verb::Update if x < 0.035 && webhooked => Outcome::WebhookDenied,
        Verb::Patch if x < 0.007 => Outcome::Invalid,
        Verb::Patch if x < 0.012 => Outcome::NotFound,
        Verb::Patch if x < 0.013 => Outcome::ServerError,
        Verb::Delete if x < 0.05 => Outcome::NotFound,
        Verb::List | Verb::Watch | Verb::DeleteCollection if x < 0.0005 => Outcome::ServerError,
        _ => Outcome::Ok,
    }
}

pub(super) struct Generator {
    pub(super) dice: Dice,
    pub(super) world: World,
    pub(super) clock: Clock,
    pub(super) rhythm: Rhythm,
    pub(super) clusters: u32,
    pub(super) seed: u64,
    /// Attack and noise requests, by received time.
    pub(super) script: Vec<Req>,
    pub(super) script_pos: usize,
    pub(super) bg_budget: u64,
    pub(super) bg_reserved: u64,
    pub(super) next_bg: Option<i64>,
    pub(super) heap: BinaryHeap<Pending>,
    pub(super) seq: u64,
    pub(super) p_deny: f64,
}

impl Generator {
    pub(super) fn new(m: &'static Model, opts: &GenerateOptions) -> Self {
        let mut dice = Dice::new(opts.seed);
        let world = build_world(m, &mut dice);
        let clock = Clock::new(opts.start, opts.days);
        let rhythm = Rhythm::new(world.m, opts.start, opts.days, clock.start_us);
        let mut g = Self {
            dice,
            world,
            clock,
            rhythm,
            clusters: opts.clusters,
            seed: opts.seed,
            script: Vec::new(),
            script_pos: 0,
            bg_budget: 0,
            bg_reserved: 0,
            next_bg: None,
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            p_deny: 0.0,
        };
        g.plan_scripts(opts);
        let scripted = 2 * g.script.len() as u64;
        g.bg_budget = opts.events.saturating_sub(scripted);
        // The rate applies to the background; the attack bursts and look-alikes come on top, so
        // the broken-RBAC, human, anonymous and node denials are there at any size.
        g.p_deny = opts.deny_rate;
        g.schedule_background();
        g
    }

    pub(super) fn pick_cluster(&mut self) -> u32 {
        if self.clusters <= 1 {
            0
        } else {
            self.dice.below(u64::from(self.clusters)) as u32
        }
    }

    pub(super) fn schedule_background(&mut self) {
        if self.bg_reserved >= self.bg_budget {
            self.next_bg = None;
            return;
        }
        let u = self.dice.unit();
        let p = (self.bg_reserved as f64 + u) / self.bg_budget as f64;
        self.next_bg = Some(self.rhythm.at(p));
    }

    /// The request an actor makes with an operation: namespace, name, level decided here.
    pub(super) fn base(&mut self, received: i64, cluster: u32, actor: u32, o: Op) -> Req {
        let a = &self.world.actors[actor as usize];
        let m = self.world.m;
        let namespaced = o.res != NON_RESOURCE && m.res(o.res).namespaced;
        let ns = if namespaced {
            match o.scope {
                Scope::Home => a.home,
                Scope::Any => any_ns(m, &mut self.dice),
                Scope::All => NO_NS,
                Scope::Own => a.own_ns,
                Scope::Ns(n) => n,
            }
        } else {
            NO_NS
        };
        let nameless = o.res == NON_RESOURCE
            || matches!(m.role(o.res), Role::Ssar | Role::Ssrr | Role::TokenReviews);
        let wants_name = o.verb.named() || o.verb == Verb::Create || !o.sub.is_empty();
        let name = if nameless || !wants_name {
            NameRef::None
        } else if matches!(o.scope, Scope::Own) && !a.own_name.is_empty() {
            NameRef::Own
        } else {
            let pool = self.world.res[usize::from(o.res)].names.len();
            NameRef::Pool(self.dice.index(pool) as u16)
        };
        Req {
            received,
            rr_at: received,
            done_at: received,
            id: self.dice.uuid(),
            body: self.dice.next(),
            actor,
            imp: NO_ACTOR,
            cluster,
            verb: o.verb,
            res: o.res,
            sub: o.sub,
            ns,
            name,
            path: o.path,
            query: self.dice.below(2) as u8,
            level: level_for(m, &mut self.dice, o.verb, o.res, o.sub),
            outcome: Outcome::Ok,
            ip: a.ip,
            ua: a.ua,
            reason: a.reason,
            rr_only: false,
        }
    }

    /// A request for one of the probe tables' entries.
    pub(super) fn probe(
        &mut self,
        received: i64,
        cluster: u32,
        actor: u32,
        (verb, res, sub, ns): Probe,
    ) -> Req {
        let ns = if ns == ANY_NS {
            any_ns(self.world.m, &mut self.dice)
        } else {
            ns
        };
        let scope = if ns == NO_NS {
            Scope::All
        } else {
            Scope::Ns(ns)
        };
        self.base(
            received,
            cluster,
            actor,
            Op {
                verb,
                res,
                sub,
                scope,
                path: 0,
                weight: 1,
            },
        )
    }

    /// Sets the timestamps (and drops bodies from denials).
    pub(super) fn finish(&mut self, r: &mut Req) {
        if r.outcome.denied() {
            r.level = Level::Metadata;
            r.reason = self.world.reason_none;
        }
        let (lo, hi) = if r.outcome.denied() {
            (300, 2_500)
        } else if r.res == NON_RESOURCE {
            (200, 3_000)
        } else {
            match r.verb {
                Verb::Watch => (500, 4_000),
                Verb::Get => (700, 9_000),
                Verb::List => (2_500, 60_000),
                Verb::Create | Verb::Update | Verb::Patch => (3_000, 25_000),
                Verb::Delete | Verb::DeleteCollection => (4_000, 40_000),
            }
        };
        let mut latency = span(self.dice.between(lo, hi));
        if self.dice.chance(0.01) {
            latency = (latency * 8).min(1_400_000);
        }
        r.rr_at = r.received + span(self.dice.below(40));
        r.done_at = r.rr_at + latency;
    }
}

impl Generator {
    pub(super) fn plan_background(&mut self, received: i64, rr_only: bool) -> Req {
        let cluster = self.pick_cluster();
        let mut r = if self.p_deny > 0.0 && self.dice.chance(self.p_deny) {
            self.plan_denial(received, cluster)
        } else {
            let actor = self.dice.weighted(&self.world.actor_cum) as u32;
            let a = &self.world.actors[actor as usize];
            let o = a.ops[self.dice.weighted(&a.op_cum)];
            let mut r = self.base(received, cluster, actor, o);
            r.outcome = allowed_outcome(self.world.m, &mut self.dice, &r);
            if actor == self.world.admin
                && r.res != NON_RESOURCE
                && self.dice.chance(self.world.m.impersonation_rate)
            {
                let imp = *self.dice.pick(&self.world.impersonated);
                r.imp = imp;
                r.reason = self.world.actors[imp as usize].reason;
            }
            r
        };
        r.rr_only = rr_only;
        self.finish(&mut r);
        r
    }

    /// A background denial: broken RBAC, stray service accounts, humans, anonymous scanners,
    /// nodes, and the look-alikes.
    pub(super) fn plan_denial(&mut self, received: i64, cluster: u32) -> Req {
        let m = self.world.m;
        let category = self.dice.below(m.denial_cum[7]);
        let category = m.denial_cum.iter().position(|&c| category < c).unwrap_or(7);
        let mut outcome = Outcome::Forbid;
        let mut r = match category {
            0 => {
                let (actor, p) = *self.dice.pick(&self.world.broken);
                self.probe(received, cluster, actor, p)
            }
            1 => {
                let actor = *self.dice.pick(&self.world.service_accounts);
                let p = *self.dice.pick(&m.sa_strays);
                self.probe(received, cluster, actor, p)
            }
            2 => {
                if self.dice.chance(m.impersonating) {
                    let imp = *self.dice.pick(&self.world.impersonated);
                    let p = *self.dice.pick(&m.sa_strays);
                    let mut r = self.probe(received, cluster, self.world.admin, p);
                    r.imp = imp;
                    r
                } else {
                    let actor = self.world.developers[self.dice.index(self.world.developers.len())];
                    let p = *self.dice.pick(&m.human_strays);
                    self.probe(received, cluster, actor, p)
                }
            }
            3 => {
                let anonymous = self.world.anonymous;
                let mut r = if self.dice.chance(0.5) {
                    let path = *self.dice.pick(&m.scanner_paths);
                    self.base(received, cluster, anonymous, path_op(path))
                } else {
                    let p = *self.dice.pick(&m.anonymous_strays);
                    self.probe(received, cluster, anonymous, p)
                };
                r.ip = *self.dice.pick(&self.world.scanner_ips);
                r.ua = self.world.ua_scanner;
                r
            }
            4 => {
                let node = *self.dice.pick(&self.world.node_actors);
                let res = if self.dice.chance(0.6) {
                    m.id(Role::Secrets)
                } else {
                    m.id(Role::ConfigMaps)
                };
                self.probe(received, cluster, node, (Verb::Get, res, "", ANY_NS))
            }
            5 => {
                let p = *self.dice.pick(&m.sa_strays);
                self.probe(received, cluster, self.world.plural_lookalike, p)
            }
            6 => {
                let p = *self.dice.pick(&m.sa_strays);
                self.probe(received, cluster, self.world.case_lookalike, p)
            }
            _ => {
                outcome = Outcome::ForbidOddCase;
                let actor = *self.dice.pick(&self.world.service_accounts);
                let p = *self.dice.pick(&m.sa_strays);
                self.probe(received, cluster, actor, p)
            }
        };
        r.outcome = outcome;
        r
    }

    /// Attacks and look-alikes, a set per day (when there are enough events for them).
    pub(super) fn plan_scripts(&mut self, opts: &GenerateOptions) {
        let events = opts.events;
        let deny = opts.deny_rate > 0.0;
        let days: Vec<u32> = if events >= 1000 {
            (0..opts.days).collect()
        } else if events >= 300 {
            vec![self.dice.below(u64::from(opts.days)) as u32]
        } else {
            Vec::new()
        };
        if days.is_empty() {
            return;
        }
        let per_day = events / (3 * days.len() as u64);
        for day in days {
            let day_start = self.clock.start_us + i64::from(day) * DAY_US;
            let mut budget = per_day;
            let noise_events = if deny { 18 } else { 4 };
            if budget >= 3 * noise_events {
                self.plan_noise(day_start, deny);
                budget -= noise_events;
            }
            if !deny {
                continue;
            }
            let mut attacks = 1;
            if events / u64::from(opts.days) >= 100_000 && self.dice.chance(0.5) {
                attacks = 2;
            }
            for _ in 0..attacks {
                let (lo, hi) = self.world.m.attack_allowed;
                let allowed = self.dice.between(lo, hi);
                let max_denials = (budget / 2).saturating_sub(allowed + 1);
                if max_denials < 3 {
                    break;
                }
                let (lo, hi) = self.world.m.attack_denials;
                let denials = self.dice.between(lo, hi).min(max_denials);
                self.plan_attack(day_start, denials, allowed);
                budget -= 2 * (denials + allowed + 1);
            }
        }
        self.script.sort_by_key(|r| r.received);
    }

    /// A stolen service-account token used from outside: a burst of denials across resources
    /// and namespaces from curl or python-requests, with a few allowed self-reviews.
    pub(super) fn plan_attack(&mut self, day_start: i64, denials: u64, allowed: u64) {
        let actor = *self.dice.pick(&self.world.stealable);
        let ip = *self.dice.pick(&self.world.attacker_ips);
        let ua = if self.dice.chance(0.5) {
            self.world.ua_curl
        } else {
            self.world.ua_python
        };
        let cluster = self.pick_cluster();
        let (lo, hi) = self.world.m.attack_seconds;
        let duration = span(self.dice.between(lo, hi)) * SEC_US;
        let t0 = day_start + span(self.dice.below(86_400 - 900)) * SEC_US;
        let n = 1 + allowed + denials;
        let mut offsets: Vec<i64> = (0..n)
            .map(|_| span(self.dice.below(duration as u64)))
            .collect();
        offsets.sort_unstable();
        // After /version and a rules review: the denials with the access reviews shuffled in.
        let mut kinds: Vec<bool> = (0..allowed - 1)
            .map(|_| true)
            .chain((0..denials).map(|_| false))
            .collect();
        for i in (1..kinds.len()).rev() {
            let j = self.dice.index(i + 1);
            kinds.swap(i, j);
        }
        for (i, &offset) in offsets.iter().enumerate() {
            let at = t0 + offset;
            let mut r = match i {
                0 => {
                    let path = self.world.m.path_version;
                    let mut r = self.base(at, cluster, actor, path_op(path));
                    r.reason = self.world.reason_public_info;
                    r
                }
                1 => {
                    let mut r = self.probe(
                        at,
                        cluster,
                        actor,
                        (Verb::Create, self.world.m.id(Role::Ssrr), "", NO_NS),
                    );
                    r.outcome = Outcome::Created;
                    r.reason = self.world.reason_basic_user;
                    r
                }
                _ if kinds[i - 2] => {
                    let mut r = self.probe(
                        at,
                        cluster,
                        actor,
                        (Verb::Create, self.world.m.id(Role::Ssar), "", NO_NS),
                    );
                    r.outcome = Outcome::Created;
                    r.reason = self.world.reason_basic_user;
                    r
                }
                _ => {
                    let p = *self.dice.pick(&self.world.m.probes);
                    let mut r = self.probe(at, cluster, actor, p);
                    r.outcome = Outcome::Forbid;
                    r
                }
            };
            r.ip = ip;
            r.ua = ua;
            self.finish(&mut r);
            self.script.push(r);
        }
    }

    /// One of each look-alike the rule must not match, at random times of the day.
    pub(super) fn plan_noise(&mut self, day_start: i64, deny: bool) {
        let w = &self.world;
        let m = w.m;
        let (pods, secrets, deployments) = (
            m.id(Role::Pods),
            m.id(Role::Secrets),
            m.id(Role::Deployments),
        );
        let (admin, developer, anonymous) = (w.admin, w.developer, w.anonymous);
        let (plural, case) = (w.plural_lookalike, w.case_lookalike);
        let imp = w.impersonated[0];
        let imp_reason = w.actors[imp as usize].reason;
        let node = w.node_actors[0];
        let webhook_actor = w
            .stealable
            .iter()
            .copied()
            .find(|&a| w.actors[a as usize].home == m.ns_data)
            .unwrap_or(w.stealable[0]);
        let odd_case_actor = w.stealable[0];
        let items: [(u32, Probe, Outcome, bool); 9] = [
            (
                webhook_actor,
                (Verb::Create, pods, "", m.ns_data),
                Outcome::WebhookDenied,
                false,
            ),
            (
                admin,
                (Verb::Get, pods, "", m.ns_payments),
                Outcome::Ok,
                true,
            ),
            (
                plural,
                (Verb::List, pods, "", m.ns_kube_system),
                Outcome::Forbid,
                false,
            ),
            (
                case,
                (Verb::Get, secrets, "", m.ns_default),
                Outcome::Forbid,
                false,
            ),
            (
                odd_case_actor,
                (Verb::List, secrets, "", NO_NS),
                Outcome::ForbidOddCase,
                false,
            ),
            (
                admin,
                (Verb::List, secrets, "", m.ns_kube_system),
                Outcome::Forbid,
                true,
            ),
            (
                developer,
                (Verb::Delete, deployments, "", m.ns_kube_system),
                Outcome::Forbid,
                false,
            ),
            (
                anonymous,
                (Verb::Get, secrets, "", m.ns_kube_system),
                Outcome::Forbid,
                false,
            ),
            (
                node,
                (Verb::Get, secrets, "", m.ns_payments),
                Outcome::Forbid,
                false,
            ),
        ];
        let count = if deny { items.len() } else { 2 };
        for &(actor, probe, outcome, impersonate) in &items[..count] {
            let at = day_start + span(self.dice.below((DAY_US - 10 * SEC_US) as u64));
            let cluster = self.pick_cluster();
            let mut r = self.probe(at, cluster, actor, probe);
            r.outcome = outcome;
            if impersonate {
                r.imp = imp;
                r.reason = imp_reason;
            }
            if outcome == Outcome::WebhookDenied {
                r.level = Level::Request;
            }
            if actor == anonymous && outcome.denied() {
                r.ip = self.world.scanner_ips[0];
                r.ua = self.world.ua_scanner;
            }
            self.finish(&mut r);
            self.script.push(r);
        }
    }
}
