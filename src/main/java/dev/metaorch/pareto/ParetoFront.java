package dev.metaorch.pareto;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The point front over (cost: lower is better, success rate: higher is better). A point is on
 * the front when nothing dominates it (cost ≤ and success ≥ with one strict); exact duplicates
 * both stay on it.
 */
public final class ParetoFront {
    private ParetoFront() {
    }

    /**
     * Sort-and-sweep, O(n log n): sort by cost; within a cost level only the highest success can
     * be on the front, and only if it beats every strictly cheaper point.
     */
    public static boolean[] sweep(List<ParetoPoint> points) {
        int n = points.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparingDouble((Integer i) -> points.get(i).cost()));
        boolean[] front = new boolean[n];
        double bestCheaper = Double.NEGATIVE_INFINITY;
        int i = 0;
        while (i < n) {
            int j = i;
            double cost = points.get(order[i]).cost();
            double levelMax = Double.NEGATIVE_INFINITY;
            while (j < n && points.get(order[j]).cost() == cost) {
                levelMax = Math.max(levelMax, points.get(order[j]).successRate());
                j++;
            }
            if (levelMax > bestCheaper) {
                for (int k = i; k < j; k++) {
                    front[order[k]] = points.get(order[k]).successRate() == levelMax;
                }
            }
            bestCheaper = Math.max(bestCheaper, levelMax);
            i = j;
        }
        return front;
    }

    /** The O(n²) definition, kept as the oracle the tests check the sweep against. */
    public static boolean[] naive(List<ParetoPoint> points) {
        boolean[] front = new boolean[points.size()];
        for (int i = 0; i < points.size(); i++) {
            boolean dominated = false;
            for (int j = 0; j < points.size() && !dominated; j++) {
                dominated = j != i && points.get(j).dominates(points.get(i));
            }
            front[i] = !dominated;
        }
        return front;
    }

    public static List<String> names(List<ParetoPoint> points, boolean[] front) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            if (front[i]) {
                out.add(points.get(i).name());
            }
        }
        return out;
    }
}
