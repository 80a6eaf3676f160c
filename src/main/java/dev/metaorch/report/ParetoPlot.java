package dev.metaorch.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The cost/success scatter with Wilson interval bars, the front as a step line, and labels. */
public final class ParetoPlot {
    private ParetoPlot() {
    }

    /** {@code analysis} is the JSON of {@code ParetoAnalysis.analyse}. */
    public static XYChart chart(JsonNode analysis, String title) {
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title)
                .xAxisTitle("mean cost per session (USD)").yAxisTitle("success rate").build();
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        for (String kind : List.of("front", "other")) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            List<Double> err = new ArrayList<>();
            for (JsonNode p : analysis.path("points")) {
                boolean onFront = p.path("label").asText().equals("front");
                if (onFront == kind.equals("front")) {
                    x.add(p.path("cost").asDouble());
                    y.add(p.path("success_rate").asDouble());
                    err.add((p.path("ci").path(1).asDouble() - p.path("ci").path(0).asDouble()) / 2);
                }
            }
            if (!x.isEmpty()) {
                XYSeries s = chart.addSeries(kind.equals("front") ? "on the front" : "dominated", x, y, err);
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                s.setMarker(kind.equals("front") ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE);
            }
        }
        List<double[]> front = new ArrayList<>();
        for (JsonNode p : analysis.path("points")) {
            if (p.path("label").asText().equals("front")) {
                front.add(new double[] {p.path("cost").asDouble(), p.path("success_rate").asDouble()});
            }
        }
        front.sort((a, b) -> Double.compare(a[0], b[0]));
        if (front.size() >= 2) {
            List<Double> sx = new ArrayList<>();
            List<Double> sy = new ArrayList<>();
            for (int i = 0; i < front.size(); i++) {
                if (i > 0) {
                    sx.add(front.get(i)[0]);
                    sy.add(front.get(i - 1)[1]);
                }
                sx.add(front.get(i)[0]);
                sy.add(front.get(i)[1]);
            }
            XYSeries step = chart.addSeries("front", sx, sy);
            step.setMarker(SeriesMarkers.NONE);
            step.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        for (JsonNode p : analysis.path("points")) {
            chart.addAnnotation(new AnnotationText(p.path("name").asText(), p.path("cost").asDouble(),
                    Math.min(0.97, p.path("success_rate").asDouble() + 0.035), false));
        }
        return chart;
    }
}
