package io.lingspark.engine.structured;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.apache.lucene.util.automaton.Automaton;
import org.junit.jupiter.api.Test;

/** Prints compile times of a typical schema; the only assertion is a very generous bound. */
class CompileTimeTest {
    static final String TYPICAL = CrossCheckTest.q("{'type':'object','properties':{"
            + "'id':{'type':'string','format':'uuid'},"
            + "'name':{'type':'string','minLength':1,'maxLength':50},"
            + "'age':{'type':'integer','minimum':0,'maximum':130},"
            + "'balance':{'type':'integer','minimum':-1000000,'maximum':1000000000},"
            + "'score':{'type':'number'},"
            + "'active':{'type':'boolean'},"
            + "'status':{'enum':['pending','active','suspended','closed']},"
            + "'born':{'type':'string','format':'date'},"
            + "'updated':{'type':'string','format':'date-time'},"
            + "'email':{'type':['string','null'],'format':'email'},"
            + "'tags':{'type':'array','items':{'type':'string','maxLength':20},'maxItems':10},"
            + "'scores':{'type':'array','items':{'type':'integer','minimum':1,'maximum':10},'minItems':1,'maxItems':5},"
            + "'address':{'type':'object','properties':{'street':{'type':'string'},'city':{'type':'string'},"
            + "'zip':{'type':'string','pattern':'^[0-9]{5}$'},'country':{'enum':['DE','FR','US','JP']}},"
            + "'required':['street','city','country'],'additionalProperties':false},"
            + "'phones':{'type':'array','items':{'type':'object','properties':{'kind':{'enum':['home','work','mobile']},"
            + "'number':{'type':'string','pattern':'^\\\\+?[0-9 ]{6,15}$'}},'required':['kind','number'],"
            + "'additionalProperties':false}},"
            + "'notes':{'type':'string'},"
            + "'priority':{'type':'integer','exclusiveMinimum':0,'exclusiveMaximum':6},"
            + "'ratio':{'anyOf':[{'type':'number'},{'type':'null'}]},"
            + "'level':{'const':'gold'}"
            + "},'required':['id','name','age','status','born','address'],'additionalProperties':false}");

    @Test
    void typicalSchemaCompilesWellUnderASecond() {
        long best = Long.MAX_VALUE;
        Automaton a = null;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 5; i++) {
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            a = GrammarCompiler.compile(StructuredOutput.jsonSchema(TYPICAL));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long cpuMs = (threads.getCurrentThreadCpuTime() - cpu0) / 1_000_000;
            // CPU time too: on a loaded machine wall time mostly measures the wait for a core.
            System.out.println("GRAMMAR-TIMING typical schema (18 properties) run " + i + ": " + ms + " ms wall, "
                    + cpuMs + " ms cpu, " + a.getNumStates() + " states, " + a.getNumTransitions() + " transitions");
            best = Math.min(best, ms);
        }
        new Lang(a).ok("{\"id\":\"123e4567-e89b-12d3-a456-426614174000\",\"name\":\"A\",\"age\":30,\"status\":\"active\","
                + "\"born\":\"1994-02-28\",\"address\":{\"street\":\"s\",\"city\":\"c\",\"country\":\"JP\"}}");
        assertTrue(best < 10_000, "typical schema compile took " + best + " ms");
    }

    @Test
    void jsonObjectCompileTime() {
        long t0 = System.nanoTime();
        Automaton a = GrammarCompiler.compile(StructuredOutput.jsonObject());
        System.out.println("GRAMMAR-TIMING json_object (first use in this JVM, builds the any-value automata): " + (System.nanoTime() - t0) / 1_000_000 + " ms, " + a.getNumStates() + " states");
        t0 = System.nanoTime();
        GrammarCompiler.compile(StructuredOutput.jsonObject());
        System.out.println("GRAMMAR-TIMING json_object (cached): " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }
}
