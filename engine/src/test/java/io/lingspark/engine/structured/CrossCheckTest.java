package io.lingspark.engine.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.networknt.schema.InputFormat;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Transition;
import org.junit.jupiter.api.Test;

/**
 * Every string the automaton accepts in these examples must also be valid for an independent validator
 * (networknt, draft 2020-12, format assertions on), and every compiled schema's known-bad strings that
 * the validator rejects must be rejected by the automaton too.
 */
class CrossCheckTest {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true).build();

    static final String PERSON = q("{'type':'object','properties':{"
            + "'name':{'type':'string','minLength':1,'maxLength':20},"
            + "'age':{'type':'integer','minimum':0,'maximum':150},"
            + "'email':{'type':'string','format':'email'},"
            + "'born':{'type':'string','format':'date'},"
            + "'seen':{'type':'string','format':'date-time'},"
            + "'id':{'type':'string','format':'uuid'},"
            + "'ip':{'type':['string','null'],'format':'ipv4'},"
            + "'role':{'enum':['admin','user','日本語']},"
            + "'tags':{'type':'array','items':{'type':'string','pattern':'^[a-z]+$'},'maxItems':3},"
            + "'score':{'type':'number','minimum':-1.5,'exclusiveMaximum':100},"
            + "'address':{'type':'object','properties':{'city':{'type':'string'},'zip':{'type':'string','pattern':'\\\\d{5}'}},"
            + "'required':['city'],'additionalProperties':false}"
            + "},'required':['name','age'],'additionalProperties':false}");

    static String q(String s) {
        return s.replace('\'', '"');
    }

    private static void check(String schema, String[] good, String[] bad) {
        JsonSchema validator = FACTORY.getSchema(schema, CONFIG);
        Lang lang = Lang.schema(schema);
        for (String g : good) {
            lang.ok(g);
            Set<ValidationMessage> errors = validator.validate(g, InputFormat.JSON);
            assertEquals(Set.of(), errors, "validator rejects an accepted string: " + g);
        }
        for (String b : bad) {
            assertFalse(validator.validate(b, InputFormat.JSON).isEmpty(), "validator accepts known-bad " + b);
            lang.bad(b);
        }
        // Random answers drawn from the automaton itself must all be valid.
        Random random = new Random(42);
        for (int i = 0; i < 300; i++) {
            String sample = sample(lang, random);
            lang.ok(sample);
            assertEquals(Set.of(), validator.validate(sample, InputFormat.JSON), "validator rejects sample " + sample);
        }
    }

    /** A random walk to an accepting state: free for a while, then along a shortest path to acceptance. */
    static String sample(Lang lang, Random random) {
        Automaton a = lang.automaton;
        int n = a.getNumStates();
        int[] dist = new int[n];
        Arrays.fill(dist, Integer.MAX_VALUE);
        List<List<Integer>> reverse = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            reverse.add(new ArrayList<>());
        }
        Transition t = new Transition();
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < n; s++) {
            int count = a.initTransition(s, t);
            for (int i = 0; i < count; i++) {
                a.getNextTransition(t);
                reverse.get(t.dest).add(s);
            }
            if (a.isAccept(s)) {
                dist[s] = 0;
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            for (int p : reverse.get(s)) {
                if (dist[p] == Integer.MAX_VALUE) {
                    dist[p] = dist[s] + 1;
                    queue.add(p);
                }
            }
        }
        StringBuilder out = new StringBuilder();
        int state = 0;
        int freeSteps = random.nextInt(80);
        for (int step = 0; ; step++) {
            if (a.isAccept(state) && (step >= freeSteps || random.nextInt(8) == 0)) {
                return out.toString();
            }
            int count = a.initTransition(state, t);
            if (count == 0) {
                return out.toString();
            }
            List<int[]> options = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                a.getNextTransition(t);
                if (step < freeSteps || dist[t.dest] < dist[state]) {
                    options.add(new int[] {t.min, t.max, t.dest});
                }
            }
            int[] o = options.get(random.nextInt(options.size()));
            int cp;
            switch (random.nextInt(3)) {
                case 0 -> cp = o[0];
                case 1 -> cp = o[1];
                default -> cp = o[0] + random.nextInt(Math.min(o[1] - o[0], 300) + 1);
            }
            out.appendCodePoint(cp);
            state = o[2];
        }
    }

    @Test
    void person() {
        check(PERSON, new String[] {
            "{\"name\":\"Ann\",\"age\":0}",
            "{\"name\":\"日本語🎉é\",\"age\":150,\"role\":\"日本語\"}",
            "{\"name\":\"a\\\"b\\\\c\\u00e9\",\"age\":42,\"email\":\"ann.lee+x@mail.example.com\",\"born\":\"2000-02-29\","
                    + "\"seen\":\"2024-02-29T23:59:59.999+05:30\",\"id\":\"123e4567-e89b-12d3-a456-426614174000\","
                    + "\"ip\":\"10.0.255.1\",\"role\":\"admin\",\"tags\":[\"a\",\"bc\"],\"score\":-0.0015,"
                    + "\"address\":{\"city\":\"Zürich\",\"zip\":\"x80331y\"}}",
            "{ \"name\" : \"x\" ,\n \"age\" : 7 , \"ip\" : null , \"tags\" : [ ] }",
        }, new String[] {
            "{\"name\":\"\",\"age\":1}", "{\"name\":\"x\",\"age\":151}", "{\"name\":\"x\",\"age\":-1}",
            "{\"name\":\"x\",\"age\":1,\"born\":\"2023-02-29\"}", "{\"name\":\"x\",\"age\":1,\"born\":\"1900-02-29\"}",
            "{\"name\":\"x\",\"age\":1,\"born\":\"2023-04-31\"}", "{\"name\":\"x\",\"age\":1,\"role\":\"root\"}",
            "{\"name\":\"x\",\"age\":1,\"tags\":[\"a\",\"b\",\"c\",\"d\"]}", "{\"name\":\"x\",\"age\":1,\"x\":1}",
            "{\"name\":\"x\",\"age\":1,\"address\":{\"zip\":\"12345\"}}", "{\"age\":1}",
            "{\"name\":\"x\",\"age\":1,\"ip\":\"256.0.0.1\"}", "{\"name\":\"x\",\"age\":1,\"score\":100}",
            "{\"name\":\"x\",\"age\":1,\"score\":-1.50001}",
        });
    }

    @Test
    void recursiveTree() {
        String tree = q("{'$defs':{'node':{'type':'object','properties':{'v':{'type':'integer','minimum':-3,'maximum':3},"
                + "'kids':{'type':'array','items':{'$ref':'#/$defs/node'}}},'required':['v'],'additionalProperties':false}},"
                + "'$ref':'#/$defs/node'}");
        check(tree, new String[] {
            "{\"v\":0}", "{\"v\":-3,\"kids\":[]}", "{\"v\":3,\"kids\":[{\"v\":1},{\"v\":2,\"kids\":[{\"v\":-1,\"kids\":[{\"v\":0}]}]}]}",
        }, new String[] {"{\"v\":4}", "{\"kids\":[]}", "{\"v\":1,\"kids\":[{}]}"});
    }

    @Test
    void unionsEnumsAndConsts() {
        String s = q("{'type':'object','properties':{'a':{'anyOf':[{'type':'string','format':'time'},{'type':'integer','exclusiveMaximum':0}]},"
                + "'b':{'oneOf':[{'const':{'k':[1,'x']}},{'type':'boolean'}]},'c':{'type':['string','null']},"
                + "'d':{'enum':[1.5,null,'é']},'e':{}},'required':['a','b','c','d','e']}");
        check(s, new String[] {
            "{\"a\":\"12:00:00Z\",\"b\":{\"k\":[1,\"x\"]},\"c\":\"\",\"d\":1.5,\"e\":{\"z\":[null,true,1e5]}}",
            "{\"a\":-7,\"b\":false,\"c\":\"🎉\",\"d\":\"é\",\"e\":\"x\"}",
        }, new String[] {"{\"a\":0,\"b\":true,\"c\":\"\",\"d\":null,\"e\":1}", "{\"a\":\"12:00\",\"b\":true,\"c\":\"\",\"d\":null,\"e\":1}"});
    }

    @Test
    void integersAndDatesAtTheEdges() {
        String s = q("{'type':'array','items':{'anyOf':[{'type':'integer','minimum':-9007199254740993,'exclusiveMaximum':100},"
                + "{'type':'string','format':'date'}]}}");
        check(s, new String[] {"[-9007199254740993,99,0,\"2024-02-29\",\"2000-02-29\",\"0001-01-01\",\"1999-12-31\"]"},
                new String[] {"[100]", "[-9007199254740994]", "[\"2023-02-29\"]", "[\"1900-02-29\"]", "[\"2023-06-31\"]"});
    }
}
