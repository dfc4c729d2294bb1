package io.lingspark.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.jobs.eval.EvalRun;
import io.lingspark.jobs.eval.EvalSummary;
import io.lingspark.jobs.eval.TaskSummary;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report and summary.json of the example tasks. With -Dlingspark.report.out=FILE the report is
 * also written there (bin/report-screenshot.sh --example uses it).
 */
class HtmlReportTest {
    @TempDir
    Path dir;

    @Test
    void theReportIsOneFileWithItsChartsInside() throws Exception {
        EvalRun run = ExampleRun.run(2000);
        Path file = dir.resolve("report.html");
        HtmlReport.write(run, file);
        String out = System.getProperty("lingspark.report.out");
        if (out != null && !out.isBlank()) {
            HtmlReport.write(run, Path.of(out));
        }
        String html = Files.readString(file);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        // self-contained: nothing is fetched
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"), "external references");
        List<BufferedImage> images = new ArrayList<>();
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        while (m.find()) {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
            assertNotNull(image, "a PNG");
            assertTrue(image.getWidth() > 300 && image.getHeight() > 80);
            images.add(image);
        }
        // metrics of both tasks, the capitals reliability diagram, a difference chart per task
        assertEquals(5, images.size());
        for (String part : List.of("<h2>Summary</h2>", "<h2>Calibration</h2>", "Compared with an earlier stand-in run",
            "exact_match,strict-match", "acc_norm", "Americas", "word_problem", "now correct")) {
            assertTrue(html.contains(part), part);
        }
        for (TaskSummary t : run.tasks()) {
            t.metrics().forEach((k, v) -> assertTrue(html.contains(String.format(java.util.Locale.ROOT, "%.4f", v.value())), k));
        }
    }

    @Test
    void summaryJsonHasLmEvalsShape() throws Exception {
        EvalRun run = ExampleRun.run(1000);
        JsonNode json = new ObjectMapper().readTree(EvalSummary.toJson(run));
        TaskSummary capitals = run.tasks().get(0);
        assertEquals(capitals.metrics().get("acc").value(), json.at("/results/capitals/acc/value").asDouble());
        assertEquals(capitals.metrics().get("acc").stderr(), json.at("/results/capitals/acc/stderr").asDouble());
        assertTrue(json.at("/higher_is_better/arithmetic/exact_match,flexible-extract").asBoolean());
        assertEquals(32, json.at("/samples/arithmetic/documents").asInt());
        assertEquals(10, json.at("/calibration/capitals/bins").size());
        assertTrue(json.at("/groups/results/capitals/Europe/acc/value").isNumber());
        assertEquals(2, json.at("/compare/results/capitals/metrics/acc/ci95").size());
        assertTrue(json.at("/compare/results/capitals/flips/acc/became_correct").isArray());
        assertEquals("examples (stand-in model)", json.at("/model").asText());
        assertEquals(1000, json.at("/settings/bootstrap_iters").asInt());
    }
}
