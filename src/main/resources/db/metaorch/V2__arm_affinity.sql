-- Worker affinity (ADR-184): an arm whose variant keeps state across its sessions in one process
-- (Variant.keepsStateAcrossSessions, e.g. the `caching` demo) runs on one worker. The first worker
-- to claim one of its attempts adopts it; the arm is released when that worker stops, or stops
-- beating and its lost attempts are queued again, and the next claimant adopts it.
alter table run_arms add column one_worker boolean not null default false;
alter table run_arms add column worker text;
-- a worker's lease length: an arm adopted by a worker whose heartbeat is older than that is released
alter table workers add column lease_s double precision;
-- claims take the lowest pairs first (a lost attempt issued again goes before later pairs: the test
-- feeds pairs in order, and a stateful arm's next session waits for its predecessor)
drop index attempts_queued;
create index attempts_queued on attempts (pair, seq) where state = 'queued';
