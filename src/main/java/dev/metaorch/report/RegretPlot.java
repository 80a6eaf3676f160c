package dev.metaorch.report;

import java.util.Locale;
import dev.metaorch.bandit.BanditReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Regret curves (mean with a ±1.96 SE band) per policy, via XChart, as SVG or PNG. */
public final class RegretPlot {
    private RegretPlot() {
    }

    public static XYChart chart(BanditReport report) {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("Pseudo-regret, arms " + report.arms() + ", " + report.runs() + " runs")
                .xAxisTitle("pulls").yAxisTitle("mean pseudo-regret").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (Map.Entry<String, BanditReport.PolicyResult> e : report.policies().entrySet()) {
            BanditReport.PolicyResult p = e.getValue();
            double[] x = Arrays.stream(p.curveT()).asDoubleStream().toArray();
            double[] err = Arrays.stream(p.curveSe()).map(v -> 1.96 * v).toArray();
            XYSeries s = chart.addSeries(String.format(Locale.ROOT, "%s (%.1f ± %.1f)", e.getKey(), p.regretMean(), p.regretSe()), x,
                    p.curveMean(), err);
            s.setMarker(SeriesMarkers.NONE);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        double c = report.laiRobbins().constant();
        double[] x = Arrays.stream(report.policies().values().iterator().next().curveT()).asDoubleStream().toArray();
        double[] y = Arrays.stream(x).map(t -> c * Math.log(t)).toArray();
        XYSeries lr = chart.addSeries(String.format(Locale.ROOT, "Lai-Robbins C ln t (C = %.2f)", c), x, y);
        lr.setMarker(SeriesMarkers.NONE);
        lr.setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 4f}, 0f));
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        return chart;
    }

    /** Writes the chart as SVG or PNG, chosen by the file extension. */
    public static void write(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase();
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String base = file.toAbsolutePath().toString().replaceAll("\\.(svg|png)$", "");
        if (name.endsWith(".svg")) {
            VectorGraphicsEncoder.saveVectorGraphic(chart, base, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } else if (name.endsWith(".png")) {
            BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
        } else {
            throw new IllegalArgumentException("plot file must end in .svg or .png: " + file);
        }
    }
}
