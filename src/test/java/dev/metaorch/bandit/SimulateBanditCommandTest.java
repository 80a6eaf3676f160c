package dev.metaorch.bandit;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateBanditCommandTest {
    @TempDir
    Path dir;

    @Test
    void jsonHasTheContractShapeAndThePlotIsWritten() throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path svg = dir.resolve("regret.svg");
        Path png = dir.resolve("regret.png");
        CommandResult r = CommandResult.run("simulate-bandit", "--runs", "50", "--horizon", "2000", "--checkpoints",
                "100,1000,2000", "--json", "--plot", svg.toString());
        assertThat(r).succeeded();
        JsonNode n = Json.mapper().readTree(r.out());
        assertThat(n.path("arms").size()).isEqualTo(5);
        assertThat(n.path("horizon").asInt()).isEqualTo(2000);
        assertThat(n.path("runs").asInt()).isEqualTo(50);
        assertThat(n.at("/lai_robbins/bound_at_horizon").asDouble()).isPositive();
        for (String p : new String[] {"eps-greedy", "ucb1", "kl-ucb", "thompson"}) {
            JsonNode pol = n.path("policies").path(p);
            for (String key : new String[] {"regret_mean", "regret_se", "checkpoints", "best_arm_share", "pulls_per_sec"}) {
                assertThat(pol.has(key)).as(p + " " + key).isTrue();
            }
            assertThat(pol.at("/checkpoints/1000/mean").asDouble()).isPositive();
        }
        assertThat(Files.readString(svg)).contains("<svg").contains("<path");
        assertThat(CommandResult.run("simulate-bandit", "--runs", "20", "--horizon", "500", "--plot", png.toString(),
                "--policies", "thompson")).succeeded();
        assertThat(Files.readAllBytes(png)).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    }

    @Test
    void badArgumentsAreExitTwo() {
        assertThat(CommandResult.run("simulate-bandit", "--arms", "0.5,1.5")).exitedWith(2).errContains("[0, 1]");
        assertThat(CommandResult.run("simulate-bandit", "--policies", "softmax")).exitedWith(2).errContains("'softmax'")
                .errContains("kl-ucb");
        assertThat(CommandResult.run("simulate-bandit", "--plot", "x.gif")).exitedWith(2).errContains(".svg or .png");
        assertThat(CommandResult.run("simulate-bandit", "--arms", "0.5")).exitedWith(2).errContains("two arms");
    }

    @Test
    void hubThompsonAllocationFavoursTheBestVariant() throws Exception {
        CommandResult r = CommandResult.run("run", "--allocation", "thompson", "--sessions", "1000", "--max-cost", "150", "--results",
                dir.toString(), "--quiet", "--json");
        assertThat(r).succeeded();
        JsonNode latest = Json.mapper().readTree(Files.readString(dir.resolve("latest_run.json")));
        // thorough-4o has the highest true success rate of the demo variants (configs/README.md)
        assertThat(latest.at("/shares/thorough-4o").asDouble()).isGreaterThan(0.5);
        assertThat(latest.at("/allocation_report/regret_vs_best").asDouble())
                .isLessThan(latest.at("/allocation_report/uniform_regret_vs_best").asDouble());
    }
}
