package dev.metaorch.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every experiment config in {@code configs/} is valid, both for metaorch's loader and for an
 * independent JSON Schema validator (networknt) reading {@code configs/schema/experiment.schema.json};
 * the price table and task suites load.
 */
class ConfigsDirectoryTest {
    static Stream<Path> experimentConfigs() throws IOException {
        try (Stream<Path> s = Files.walk(Path.of("configs"))) {
            return s.filter(p -> p.toString().endsWith(".json"))
                    .filter(p -> !p.startsWith(Path.of("configs/schema")) && !p.startsWith(Path.of("configs/tasks")))
                    .filter(p -> !p.getFileName().toString().equals("prices.json") && !isHubFile(p))
                    .sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("experimentConfigs")
    void validForTheLoaderAndTheJsonSchema(Path config) throws IOException {
        ResolvedConfig resolved = new ConfigLoader().load(config);
        assertThat(resolved.warnings()).isEmpty();
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(Files.readString(Path.of("configs/schema/experiment.schema.json")));
        JsonNode file = Json.mapper().readTree(Files.readString(config));
        assertThat(schema.validate(file)).as("the file itself").isEmpty();
        assertThat(schema.validate(resolved.tree())).as("the resolved config").isEmpty();
        TaskSuite suite = TaskSuite.load(resolved.tasksPath());
        assertThat(suite.tasks()).hasSizeGreaterThanOrEqualTo(40);
    }

    @Test
    void atLeastTheThreeDemoConfigs() throws IOException {
        assertThat(experimentConfigs().map(p -> p.getFileName().toString()).toList())
                .contains("baseline.json", "exp_041.json", "exp_042.json");
    }

    @Test
    void priceTableLoadsWithRealModels() {
        PriceTable prices = PriceTable.load(Path.of("configs/prices.json"));
        assertThat(prices.models()).containsKeys("gpt-4o", "gpt-4o-mini", "claude-sonnet-4");
        // gpt-4o-mini list price: $0.15 / 1M prompt, $0.60 / 1M completion
        assertThat(prices.require("gpt-4o-mini", "x").cost(1_000_000, 0, 1_000_000)).isEqualTo(0.75, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void demoSuiteHasUniqueIdsAndImpossibleTasks() {
        TaskSuite suite = TaskSuite.load(Path.of("configs/tasks/store-demo.json"));
        assertThat(suite.tasks()).hasSizeGreaterThanOrEqualTo(40);
        assertThat(suite.tasks().stream().filter(t -> !t.solvable()).count()).isGreaterThan(0);
        assertThat(suite.tasks().stream().map(Task::id).distinct().count()).isEqualTo(suite.tasks().size());
        List<String> codes = suite.tasks().stream().map(Task::code).distinct().toList();
        assertThat(codes).contains("coupon_limit", "gpu_race");
    }

    /** Hub files list variants instead of describing one config. */
    static boolean isHubFile(Path p) {
        try {
            return Json.mapper().readTree(Files.readString(p)).path("variants").isArray();
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void hubFilesLoadAndTheirVariantsAreValid() throws IOException {
        List<Path> hubs;
        try (Stream<Path> s = Files.walk(Path.of("configs"))) {
            hubs = s.filter(p -> p.toString().endsWith(".json")).filter(ConfigsDirectoryTest::isHubFile).toList();
        }
        assertThat(hubs).extracting(p -> p.getFileName().toString()).contains("hub.json", "insights.json");
        for (Path h : hubs) {
            var hub = dev.metaorch.runner.HubSpec.load(h);
            assertThat(hub.variants()).hasSizeGreaterThanOrEqualTo(3);
            hub.variants().forEach(v -> assertThat(new ConfigLoader().load(v).warnings()).isEmpty());
        }
    }
}
