package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LengthGroupsTest {

    @Test
    void rowsOfSimilarLengthShareAPassAndALongTailGetsItsOwn() {
        // sixteen rows of 20 and four of 60: one pass pads 20 rows to 60 (1,200 positions), two cost 320 + 240 + 64
        int[] lengths = new int[20];
        Arrays.fill(lengths, 20);
        for (int r : new int[] {3, 8, 11, 19}) {
            lengths[r] = 60;
        }
        List<int[]> groups = LengthGroups.of(lengths, 64);
        assertEquals(2, groups.size());
        assertEquals(16, groups.get(0).length);
        assertArrayEquals(new int[] {3, 8, 11, 19}, groups.get(1));
    }

    @Test
    void aPassThatCostsMoreThanThePaddingItSavesIsNotSplitOff() {
        // one row of 21 among rows of 20 saves one position per row of 20: far less than another pass
        int[] lengths = {20, 20, 21, 20, 20};
        List<int[]> groups = LengthGroups.of(lengths, 64);
        assertEquals(1, groups.size());
        assertArrayEquals(new int[] {0, 1, 3, 4, 2}, groups.get(0), "ascending length, every row once");
    }

    @Test
    void everyRowIsInExactlyOneGroupAndGroupsDoNotOverlapInLength() {
        int[] lengths = {5, 48, 12, 33, 7, 48, 20, 9, 41, 16, 3, 28};
        for (int cost : new int[] {0, 8, 64, 1_000}) {
            List<int[]> groups = LengthGroups.of(lengths, cost);
            int[] all = groups.stream().flatMapToInt(Arrays::stream).sorted().toArray();
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, all, "cost " + cost);
            for (int g = 1; g < groups.size(); g++) {
                int[] before = groups.get(g - 1);
                int longestBefore = lengths[before[before.length - 1]];
                assertEquals(true, longestBefore <= lengths[groups.get(g)[0]], "cost " + cost + ", group " + g);
            }
        }
        assertEquals(1, LengthGroups.of(lengths, 1_000).size(), "a pass dearer than any padding: one group");
        assertEquals(11, LengthGroups.of(lengths, 0).size(), "free passes: one group per distinct length");
    }
}
