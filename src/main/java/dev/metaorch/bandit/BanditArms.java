package dev.metaorch.bandit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.JsonFiles;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;

/** The arms of a simulation: success probabilities, given directly or read from a file. */
public final class BanditArms {
    /** The arms simulated when none are given. */
    public static final List<Double> DEFAULT = List.of(0.3, 0.4, 0.5, 0.6, 0.7);

    private BanditArms() {
    }

    /**
     * The arms from {@code file} when given (a hub result: each variant's {@code success_rate};
     * or {@code {"arms": [..]}}), else {@code arms}, else {@link #DEFAULT}. Bad input (both given,
     * an unreadable file, a value that is not a probability) is exit 2 naming the file and place.
     */
    public static double[] of(Path file, List<Double> arms) {
        if (file != null && arms != null) {
            throw MetaorchException.invalidInput("--arms and --config: give one of them");
        }
        if (file == null) {
            return (arms == null ? DEFAULT : arms).stream().mapToDouble(Double::doubleValue).toArray();
        }
        String name = ConfigLoader.display(file);
        JsonNode root = JsonFiles.read(file, name, "arms file");
        String pointer;
        JsonNode values;
        if (root.path("arms").isArray()) {
            pointer = "/arms/";
            values = root.path("arms");
        } else if (root.path("variants").isObject()) {
            pointer = "/variants/";
            values = root.path("variants");
        } else {
            throw MetaorchException.invalidInput(name + ": /arms: expected {\"arms\": [..]} or a hub result with /variants");
        }
        double[] result = new double[values.size()];
        int i = 0;
        if (values.isArray()) {
            for (JsonNode n : values) {
                result[i] = probability(n, name + ": " + pointer + i);
                i++;
            }
        } else {
            for (var e : values.properties()) {
                result[i++] = probability(e.getValue().path("success_rate"),
                        name + ": " + pointer + e.getKey() + "/success_rate");
            }
        }
        return result;
    }

    private static double probability(JsonNode n, String where) {
        if (!n.isNumber() || !(n.asDouble() >= 0 && n.asDouble() <= 1)) {
            throw MetaorchException.invalidInput(where + ": expected a success probability in [0, 1], got " + n);
        }
        return n.asDouble();
    }
}
