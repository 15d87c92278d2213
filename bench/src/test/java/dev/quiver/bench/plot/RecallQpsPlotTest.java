package dev.quiver.bench.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.sweep.SweepRow;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

class RecallQpsPlotTest {
  private static final List<SweepRow> ROWS = List.of(
      row("quiver-flat", 1.0, 900),
      row("hnswlib-hnsw", 0.95, 40_000),
      row("hnswlib-hnsw", 0.80, 90_000),
      row("hnswlib-hnsw", 0.99, 15_000));

  @Test
  void writesPngAndSvg(@TempDir Path dir) throws IOException {
    Path png = dir.resolve("plot.png");
    Path svg = dir.resolve("plot.svg");
    RecallQpsPlot.write(ROWS, "test", png, svg);
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(1000, image.getWidth());
    assertEquals(650, image.getHeight());
    String text = Files.readString(svg);
    assertTrue(text.contains("<svg"), "an SVG document");
    assertTrue(text.contains("hnswlib-hnsw") || text.length() > 10_000, "legend or glyphs drawn");
  }

  @Test
  void oneSeriesPerIndexSortedByRecallOnALogAxis() {
    XYChart chart = RecallQpsPlot.chart(ROWS, "test");
    assertEquals(2, chart.getSeriesMap().size());
    var hnsw = chart.getSeriesMap().get("hnswlib-hnsw");
    assertArrayEquals(new double[] {0.80, 0.95, 0.99}, hnsw.getXData(), 0);
    assertArrayEquals(new double[] {90_000, 40_000, 15_000}, hnsw.getYData(), 0);
    assertTrue(chart.getStyler().isYAxisLogarithmic());
    assertEquals("recall@10", chart.getXAxisTitle());
    assertTrue(Arrays.equals(new double[] {1.0}, chart.getSeriesMap().get("quiver-flat").getXData()));
  }

  private static SweepRow row(String index, double recall, double qps) {
    return new SweepRow(index, "", "", 10, recall, qps, 1, 2, 0, 0, 1, 0, 10, "ip", "b", "q", 1);
  }
}
