package io.lingspark.engine.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NumberRangesTest {
    private static final String[] FRACTIONS = {"", "0", "00", "5", "50", "49", "51", "25", "250", "249", "2501", "1", "75",
        "9", "99", "001", "125", "3"};

    private static List<String> candidates() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i <= 12; i++) {
            for (String f : FRACTIONS) {
                String u = i + (f.isEmpty() ? "" : "." + f);
                out.add(u);
                out.add("-" + u);
            }
        }
        out.add("1e2");
        out.add("01");
        out.add("1.");
        return out;
    }

    /** bounds: {minimum, exclusiveMinimum, maximum, exclusiveMaximum}, null when absent. */
    private static void check(String... bounds) {
        StringBuilder schema = new StringBuilder("{\"type\":\"number\"");
        String[] names = {"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"};
        for (int i = 0; i < 4; i++) {
            if (bounds[i] != null) {
                schema.append(",\"").append(names[i]).append("\":").append(bounds[i]);
            }
        }
        Lang lang = Lang.schema(schema.append('}').toString());
        for (String c : candidates()) {
            boolean grammar = c.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?");
            boolean expected = grammar && !(c.startsWith("-") && new BigDecimal(c).signum() == 0);
            if (expected) {
                BigDecimal v = new BigDecimal(c);
                expected = (bounds[0] == null || v.compareTo(new BigDecimal(bounds[0])) >= 0)
                        && (bounds[1] == null || v.compareTo(new BigDecimal(bounds[1])) > 0)
                        && (bounds[2] == null || v.compareTo(new BigDecimal(bounds[2])) <= 0)
                        && (bounds[3] == null || v.compareTo(new BigDecimal(bounds[3])) < 0);
            }
            assertEquals(expected, lang.accepts(c), schema + " on " + c);
        }
    }

    @Test
    void boundsAreExact() {
        check("0", null, "1", null);
        check("-1.5", null, "2.25", null);
        check(null, "-2.5", null, "10");
        check(null, "0", null, "0.5");
        check("0.25", null, null, null);
        check(null, null, "-0.5", null);
        check(null, null, null, "-3");
        check("-11.001", null, "-0.001", null);
        check("3", null, "3.0", null);
        check("7.5", "7.25", "11", "11.5");
        check("0", null, null, null);
        check(null, null, "0", null);
        check(null, "0", null, null);
        check(null, null, null, "0");
        check("-0.0", null, "1e1", null);
    }

    @Test
    void emptyRangeIsRejected() {
        Lang.invalidSchema("{\"type\":\"number\",\"minimum\":2,\"maximum\":1}", "admits no JSON value");
        Lang.invalidSchema("{\"type\":\"number\",\"exclusiveMinimum\":1,\"exclusiveMaximum\":1}", "admits no JSON value");
    }
}
