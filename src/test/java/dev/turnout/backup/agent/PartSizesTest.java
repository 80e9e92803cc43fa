package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Issue 11 item 9: a fixed 16 MiB part capped an archive at 156 GiB (10,000 parts); the parts grow instead. */
class PartSizesTest {
  static final long MIB = 1024L * 1024;
  static final long GIB = 1024 * MIB;
  static final long FIVE_TIB = 5 * 1024 * GIB;

  @Test
  void anyArchiveUpToFiveTibFitsInTenThousandPartsForEveryAllowedFirstSize() {
    for (int mb : new int[] {5, 6, 16, 100, 512}) {
      int first = (int) (mb * MIB);
      assertThat(PartSizes.capacity(PartSizes.MAX_PARTS, first)).as("first part %d MiB", mb).isGreaterThanOrEqualTo(FIVE_TIB);
      int previous = 0;
      for (int p = 1; p <= PartSizes.MAX_PARTS; p++) {
        int size = PartSizes.size(p, first);
        assertThat((long) size).as("part %d", p).isBetween(5 * MIB, 5 * GIB); // S3's part limits
        assertThat(size).as("never shrinks").isGreaterThanOrEqualTo(previous);
        previous = size;
      }
    }
  }

  @Test
  void smallArchivesKeepTheConfiguredSizeAndPartsDoubleEveryFiveHundred() {
    int first = (int) (16 * MIB);
    assertThat(PartSizes.size(1, first)).isEqualTo(first);
    assertThat(PartSizes.size(500, first)).isEqualTo(first);
    assertThat(PartSizes.size(501, first)).isEqualTo(2 * first);
    assertThat(PartSizes.size(1001, first)).isEqualTo(4 * first);
    assertThat(PartSizes.size(10_000, first)).isEqualTo(PartSizes.MAX_PART_BYTES);
    // what the fixed size allowed
    assertThat(10_000 * 16 * MIB).isLessThan(157 * GIB);
    assertThat(PartSizes.capacity(10_000, first)).isGreaterThan(30 * 156 * GIB);
  }

  @Test
  void partNumbersOutsideS3sRangeAreRefused() {
    assertThatThrownBy(() -> PartSizes.size(0, (int) (5 * MIB))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PartSizes.size(10_001, (int) (5 * MIB))).isInstanceOf(IllegalArgumentException.class);
  }
}
