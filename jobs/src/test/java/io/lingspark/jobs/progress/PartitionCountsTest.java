package io.lingspark.jobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PartitionCountsTest {
    @Test
    void aPartitionMergedTwiceCountsOnce() {
        PartitionCounts driver = new PartitionCounts();
        assertTrue(driver.isZero());
        PartitionCounts task = new PartitionCounts();
        task.add(3L);
        task.add(4L); // one task adds as it goes: its partition holds the sum
        driver.merge(task);
        driver.merge(task.copy()); // the same partition again (a recomputed stage): replaced, not added
        assertEquals(7L, driver.value());
        driver.reset();
        assertEquals(0L, driver.value());
    }
}
