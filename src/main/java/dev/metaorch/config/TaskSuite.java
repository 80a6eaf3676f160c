package dev.metaorch.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.JsonFiles;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A task suite file: {@code {"suite": .., "version": .., "tasks": [..], "simulation": {..}}}.
 * The optional {@code simulation} block describes the simulated world (model strengths,
 * guideline effects) for the {@code simulated} variant; see configs/README.md.
 */
public record TaskSuite(Path file, String name, List<Task> tasks, ObjectNode simulation) {

    public static TaskSuite load(Path file) {
        String name = ConfigLoader.display(file);
        JsonNode root = JsonFiles.read(file, name, "task suite");
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw MetaorchException.invalidInput(name + ": /: expected a JSON object with a \"tasks\" array");
        }
        JsonNode tasksNode = root.get("tasks");
        if (tasksNode == null || !tasksNode.isArray() || tasksNode.isEmpty()) {
            throw MetaorchException.invalidInput(name + ": /tasks: expected a non-empty array of tasks");
        }
        List<Task> tasks = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < tasksNode.size(); i++) {
            JsonNode t = tasksNode.get(i);
            String p = name + ": /tasks/" + i;
            if (!t.isObject()) {
                problems.add(p + ": expected an object");
                continue;
            }
            String id = t.path("id").asText(null);
            if (!t.path("id").isTextual() || !SafeIds.isSafe(id)) {
                problems.add(p + "/id: expected a task id of letters, digits, '.', '_' or '-', got " + t.path("id"));
            } else if (!ids.add(id)) {
                problems.add(p + "/id: duplicate task id '" + id + "'");
            }
            String code = t.path("code").asText("");
            if (!t.path("code").isTextual() || code.isBlank()) {
                problems.add(p + "/code: expected a non-empty string");
            }
            double difficulty = t.path("difficulty").asDouble(0.5);
            if (t.has("difficulty") && (!t.get("difficulty").isNumber() || difficulty < 0 || difficulty > 1)) {
                problems.add(p + "/difficulty: must be a number in [0, 1], got " + t.get("difficulty"));
            }
            if (t.has("solvable") && !t.get("solvable").isBoolean()) {
                problems.add(p + "/solvable: expected a boolean, got " + t.get("solvable"));
            }
            int optimal = t.path("optimal_steps").asInt(3);
            if (t.has("optimal_steps") && (!t.get("optimal_steps").isIntegralNumber() || optimal < 1)) {
                problems.add(p + "/optimal_steps: must be an integer >= 1, got " + t.get("optimal_steps"));
            }
            tasks.add(new Task(id, code, difficulty, t.path("solvable").asBoolean(true), optimal, t.path("text").asText("")));
        }
        if (root.has("simulation") && !root.get("simulation").isObject()) {
            problems.add(name + ": /simulation: expected an object");
        }
        if (!problems.isEmpty()) {
            throw MetaorchException.invalidInput(problems);
        }
        ObjectNode sim = root.get("simulation") instanceof ObjectNode o ? o : Json.object();
        return new TaskSuite(file, root.path("suite").asText(name), List.copyOf(tasks), sim);
    }

    /** The tasks whose code is in {@code codes}; all tasks when {@code codes} is empty. */
    public List<Task> restrictedTo(List<String> codes) {
        if (codes.isEmpty()) {
            return tasks;
        }
        return tasks.stream().filter(t -> codes.contains(t.code())).toList();
    }
}
