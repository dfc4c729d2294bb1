package io.lingspark.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PyRandom against CPython 3.11's random module: every expected value below was printed by
 * {@code random.Random(seed)} in CPython (the calls are in each comment), so fewshot samples and
 * bootstrap resamples are the ones lm-evaluation-harness draws.
 */
class PyRandomTest {
    @Test
    void randomMatchesCPython() {
        // r = random.Random(1234); [r.random() for _ in range(3)]
        PyRandom r = new PyRandom(1234);
        assertEquals(0.9664535356921388, r.random());
        assertEquals(0.4407325991753527, r.random());
        assertEquals(0.007491470058587191, r.random());
        // random.Random(0).random(), random.Random(2**40 + 5).random(): seeds of one word and of two
        assertEquals(0.8444218515250481, new PyRandom(0).random());
        assertEquals(0.5043802970418443, new PyRandom((1L << 40) + 5).random());
    }

    @Test
    void getrandbitsMatchesCPython() {
        // r = random.Random(1234); [r.getrandbits(k) for k in (1, 7, 31, 32)]
        PyRandom r = new PyRandom(1234);
        assertEquals(1, r.getrandbits(1));
        assertEquals(99, r.getrandbits(7));
        assertEquals(946466063L, r.getrandbits(31));
        assertEquals(501869158L, r.getrandbits(32));
    }

    @Test
    void sampleMatchesCPythonOnBothOfItsPaths() {
        // r = random.Random(1234); r.sample(range(30), 3), r.sample(range(30), 3), r.sample(range(5), 5)
        PyRandom r = new PyRandom(1234);
        assertEquals(List.of(24, 14, 3), r.sampleIndices(30, 3)); // set path (n > setsize 21)
        assertEquals(List.of(0, 2, 29), r.sampleIndices(30, 3));
        assertEquals(List.of(4, 0, 2, 3, 1), r.sampleIndices(5, 5)); // pool path
        // r = random.Random(1234); r.sample(range(1000), 8), r.sample(range(100), 6)
        r = new PyRandom(1234);
        assertEquals(List.of(989, 796, 451, 119, 7, 92, 932, 965), r.sampleIndices(1000, 8));
        assertEquals(List.of(74, 4, 85, 88, 10, 12), r.sampleIndices(100, 6));
        // r = random.Random(1234); r.sample(range(20), 3), r.sample(range(80), 7): pool path, k > 5
        r = new PyRandom(1234);
        assertEquals(List.of(14, 3, 0), r.sampleIndices(20, 3));
        assertEquals(List.of(11, 74, 4, 10, 12, 45, 30), r.sampleIndices(80, 7));
    }

    @Test
    void choicesMatchesCPython() {
        // random.Random(7).choices(range(10), k=12)
        PyRandom r = new PyRandom(7);
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            got.add(r.choiceIndex(10));
        }
        assertEquals(List.of(3, 1, 6, 0, 5, 3, 0, 5, 0, 4, 0, 0), got);
    }

    @Test
    void aSampleLargerThanThePopulationIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> new PyRandom(1).sampleIndices(3, 4));
    }
}
