package io.lingspark.engine.structured;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Random answers drawn from compiled automata, checked by independent parsers / matchers. */
class SampledAnswersTest {
    @Test
    void jsonObjectAnswersParseAsObjects() throws Exception {
        ObjectMapper strict = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        Lang lang = Lang.of(StructuredOutput.jsonObject());
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            String s = CrossCheckTest.sample(lang, random);
            JsonNode node = strict.readTree(s);
            assertTrue(node.isObject(), s);
        }
    }

    @Test
    void regexAnswersMatchJavaRegex() {
        for (String regex : List.of("^\\d{3}-[a-z]+$", "(cat|dog)s?|bird", "[^a-z\\n]{2,4}", "a.c\\s\\S\\w\\W",
                "(?:[A-F0-9]{2}:){2}[A-F0-9]{2}", "\\x41\\u00e9[日本]+", "[\\u00e0-\\u00ff]*z")) {
            Lang lang = Lang.regex(regex);
            Pattern p = Pattern.compile(regex);
            Random random = new Random(regex.hashCode());
            for (int i = 0; i < 300; i++) {
                String s = CrossCheckTest.sample(lang, random);
                assertTrue(p.matcher(s).matches(), regex + " sampled " + s);
            }
        }
    }
}
