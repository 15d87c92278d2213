package dev.quiver.bench.plot;

import dev.quiver.tools.sweep.SweepRow;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The ann-benchmarks picture of a sweep: recall on x, queries per second on a logarithmic y axis,
 * one series per index, its settings joined in order of recall. Up and to the right is better.
 */
public final class RecallQpsPlot {
  private static final int WIDTH = 1000;
  private static final int HEIGHT = 650;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private RecallQpsPlot() {}

  /** Writes the chart of {@code rows} as PNG and SVG. */
  public static void write(List<SweepRow> rows, String title, Path png, Path svg) throws IOException {
    XYChart chart = chart(rows, title);
    try (OutputStream out = Files.newOutputStream(png)) {
      BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    }
    try (OutputStream out = Files.newOutputStream(svg)) {
      VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    }
  }

  static XYChart chart(List<SweepRow> rows, String title) {
    int k = rows.isEmpty() ? 10 : rows.getFirst().k();
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("recall@" + k).yAxisTitle("queries per second (log)").build();
    XYStyler styler = chart.getStyler();
    styler.setYAxisLogarithmic(true);
    styler.setXAxisDecimalPattern("0.000");
    styler.setLegendPosition(Styler.LegendPosition.OutsideS);
    styler.setLegendLayout(Styler.LegendLayout.Horizontal);
    styler.setMarkerSize(8);
    for (Map.Entry<String, List<SweepRow>> series : bySeries(rows).entrySet()) {
      List<SweepRow> points = new ArrayList<>(series.getValue());
      points.sort(Comparator.comparingDouble(SweepRow::recall));
      double[] x = new double[points.size()];
      double[] y = new double[points.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = points.get(i).recall();
        y[i] = points.get(i).qps();
      }
      XYSeries s = chart.addSeries(series.getKey(), x, y);
      s.setMarker(SeriesMarkers.CIRCLE);
    }
    spanWholeDecades(styler, rows);
    return chart;
  }

  /**
   * A log axis labels only powers of ten: widening it to whole decades keeps at least two labels
   * when every point lies within one decade (as flat indexes' points do).
   */
  private static void spanWholeDecades(XYStyler styler, List<SweepRow> rows) {
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (SweepRow r : rows) {
      if (r.qps() > 0) {
        min = Math.min(min, r.qps());
        max = Math.max(max, r.qps());
      }
    }
    if (max > 0) {
      styler.setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
      styler.setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max * 1.0001))));
    }
  }

  private static Map<String, List<SweepRow>> bySeries(List<SweepRow> rows) {
    Map<String, List<SweepRow>> map = new LinkedHashMap<>();
    for (SweepRow r : rows) {
      map.computeIfAbsent(r.index(), key -> new ArrayList<>()).add(r);
    }
    return map;
  }
}
