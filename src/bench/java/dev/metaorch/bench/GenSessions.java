package dev.metaorch.bench;

import com.fasterxml.jackson.databind.ObjectWriter;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code scripts/gen-sessions N [results] [run-id]}: writes N realistic session records (8 configs
 * over 4 models, 12 task codes x 4 instances, outcomes, tokens, cost, latency) to
 * {@code results/runs/<run-id>/sessions.jsonl}, in DESIGN.md's format.
 */
public final class GenSessions {
    private GenSessions() {
    }

    record Config(String id, String model, double skill, double prompt, double completion, double cached) {
    }

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        Path results = Path.of(args.length > 1 ? args[1] : "results");
        String runId = args.length > 2 ? args[2] : "gen-" + n;
        Path log = results.resolve("runs").resolve(runId).resolve("sessions.jsonl");
        Files.createDirectories(log.getParent());
        List<Config> configs = List.of(new Config("baseline", "gpt-4o-mini", 0.45, 0.15, 0.6, 0.075),
                new Config("exp_041", "gpt-4o-mini", 0.47, 0.15, 0.6, 0.075),
                new Config("exp_042", "gpt-4o-mini", 0.60, 0.15, 0.6, 0.075),
                new Config("flash", "gemini-2.0-flash", 0.40, 0.10, 0.4, 0.025),
                new Config("haiku", "claude-3-5-haiku", 0.50, 0.80, 4.0, 0.08),
                new Config("sonnet", "claude-sonnet-4", 0.78, 3.0, 15.0, 0.3),
                new Config("gpt4o", "gpt-4o", 0.72, 2.5, 10.0, 1.25),
                new Config("gpt41", "gpt-4.1", 0.75, 2.0, 8.0, 0.5));
        String[] codes = {"list_products", "single_purchase", "inventory_check", "pet_store_best_coupon", "bulk_discount",
            "coupon_limit", "coupon_stacking", "gpu_race", "soda_pack_optimizer", "quantum_checkout",
            "coupon_requires_missing_product", "out_of_stock_request"};
        SplittableRandom rng = new SplittableRandom(42);
        ObjectWriter writer = Json.mapper().writerFor(SessionRecord.class);
        long start = System.nanoTime();
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(log), 1 << 20)) {
            for (long i = 0; i < n; i++) {
                Config c = configs.get((int) (i % configs.size()));
                int code = rng.nextInt(codes.length);
                boolean solvable = code < 10;
                double p = code < 2 ? 0.95 : code == 9 ? 0.02 : c.skill() + 0.1 * (rng.nextDouble() - 0.5);
                boolean success = rng.nextDouble() < p;
                Outcome outcome = rng.nextDouble() < 0.005 ? Outcome.ERROR : !solvable && success ? Outcome.REJECTED
                        : success ? Outcome.SUCCESS : rng.nextDouble() < 0.03 ? Outcome.ESCALATED : Outcome.FAILURE;
                int steps = 2 + rng.nextInt(success ? 6 : 14);
                long prompt = 1500L * steps + 125L * steps * steps;
                long cached = (long) (prompt * 0.3);
                long completion = 120L * steps;
                double cost = ((prompt - cached) * c.prompt() + cached * c.cached() + completion * c.completion()) / 1e6;
                String inst = codes[code] + "_" + (1 + rng.nextInt(4));
                Instant at = t0.plusSeconds(i * 3);
                SessionRecord r = new SessionRecord(1, runId + "/" + c.id() + "/" + i, runId, c.id(), c.id(),
                        Integer.toHexString(c.id().hashCode()), "simulated", c.model(),
                        new SessionRecord.TaskRef(inst, inst, codes[code], solvable, 3 + code % 4), i, 0, i, 1, at.toString(),
                        at.plusMillis(900L * steps).toString(), 900L * steps + rng.nextInt(2000), outcome,
                        outcome == Outcome.SUCCESS || outcome == Outcome.REJECTED, null,
                        SessionRecord.Tokens.of(prompt, completion, cached), steps, cost, "2026-11-01", steps,
                        List.of("b2d79d44d45eddab6f2526f0c2deb44b"),
                        outcome == Outcome.ERROR ? new SessionRecord.ErrorInfo("simulated_error", "rate limited") : null,
                        Json.object());
                out.write(writer.writeValueAsBytes(r));
                out.write('\n');
            }
        }
        System.out.printf("wrote %,d sessions (%.1f MB) to %s in %.1f s%n", n, Files.size(log) / 1e6, log,
                (System.nanoTime() - start) / 1e9);
    }
}
