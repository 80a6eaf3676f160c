-- metaorch's team store (ADR-180). One schema holds every run of a team: what to run (runs,
-- run_arms), the work queue (attempts), what ran (records), the shared tracker and the config
-- dictionary. Money is in integer nano-USD, as in the JSONL layout.

create table runs (
    run_id            text primary key,
    kind              text        not null,              -- run-experiment
    state             text        not null check (state in ('running', 'stopping', 'finished', 'aborted')),
    seed              bigint      not null,
    cap_nano_usd      bigint      not null check (cap_nano_usd >= 0),
    -- the coordinator's budget gate, written with every enqueue and every landed record
    spend_nano_usd    bigint      not null default 0,
    reserved_nano_usd bigint      not null default 0 check (reserved_nano_usd >= 0),
    manifest          jsonb       not null,              -- run.json of the JSONL layout
    -- how workers run its sessions: timeout_s, max_steps, max_cost_per_session_usd
    runner            jsonb       not null,
    decision          text,
    llr               double precision,
    pairs             bigint      not null default 0,
    result            jsonb,                             -- result.json once finished
    coordinator       text,                              -- host/pid of the coordinator that last held the run
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);

-- what a worker needs to run an arm of a run: the resolved config, its task suite and its prices
create table run_arms (
    run_id  text  not null references runs (run_id) on delete cascade,
    arm     text  not null,
    spec    jsonb not null,
    primary key (run_id, arm)
);

-- the files of a run folder other than its log (run.json, snapshot/, hashes): export writes them back
create table run_files (
    run_id  text  not null references runs (run_id) on delete cascade,
    path    text  not null,
    content bytea not null,
    primary key (run_id, path)
);

-- the work queue: one row per attempt handed out, never two for one key
create table attempts (
    run_id           text        not null references runs (run_id) on delete cascade,
    arm              text        not null,
    pair             bigint      not null,
    repeat           int         not null,
    attempt          int         not null,
    seq              bigserial,                          -- claim order (pair order of the plan)
    task             jsonb       not null,
    state            text        not null check (state in ('queued', 'claimed', 'done', 'lost', 'withdrawn')),
    reserve_nano_usd bigint      not null default 0,
    worker           text,
    lease_until      timestamptz,
    claims           int         not null default 0,
    queued_at        timestamptz not null default now(),
    claimed_at       timestamptz,
    ended_at         timestamptz,
    primary key (run_id, arm, pair, repeat, attempt)
);
create index attempts_queued on attempts (seq) where state = 'queued';
create index attempts_claimed on attempts (run_id, lease_until) where state = 'claimed';
create index attempts_worker on attempts (worker) where state = 'claimed';

-- the session log: one record per attempt, written once (a repeated write changes nothing)
create table records (
    id            bigserial primary key,
    run_id        text        not null references runs (run_id) on delete cascade,
    arm           text        not null,
    pair          bigint      not null,
    repeat        int         not null,
    attempt       int         not null,
    session_id    text        not null,
    outcome       text        not null,
    cost_nano_usd bigint      not null,
    record        text        not null,              -- the JSONL line, exactly
    written_at    timestamptz not null default now(),
    -- taken by the run's coordinator (ids are not visible in commit order, so "after id N" would miss some)
    collected     boolean     not null default false,
    unique (run_id, arm, pair, repeat, attempt)
);
create index records_run on records (run_id, id);
create index records_uncollected on records (run_id) where not collected;

create table workers (
    worker_id   text primary key,
    host        text        not null,
    pid         bigint      not null,
    concurrency int         not null,
    started_at  timestamptz not null default now(),
    heartbeat   timestamptz not null default now(),
    stopped_at  timestamptz
);

-- the shared tracker: the same lines as results/experiments.jsonl
create table tracker (
    id          bigserial primary key,
    run_id      text        not null,
    status      text        not null,
    entry       text        not null,              -- the tracker line, exactly
    recorded_at timestamptz not null default now()
);
create index tracker_run on tracker (run_id, id);

-- hashes.dict: every config and guideline text by its hash
create table hashes (
    hash    text primary key,
    content text not null
);
