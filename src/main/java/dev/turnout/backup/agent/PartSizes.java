package dev.turnout.backup.agent;

/**
 * Multipart part sizes of an archive upload. S3 allows at most {@value #MAX_PARTS} parts per object, each of 5 MiB to
 * 5 GiB (the last may be smaller), and objects of up to 5 TiB. mongodump's output length is not known in advance, so
 * the parts grow: the first {@value #GROW_EVERY} parts have the configured size (S3_PART_SIZE_MB, so small archives
 * upload as before), and the size doubles every {@value #GROW_EVERY} parts up to {@link #MAX_PART_BYTES}. With the
 * smallest allowed first size (5 MiB) the 10,000 parts hold about 6.5 TiB, more than S3's 5 TiB object limit; a fixed
 * 16 MiB part capped an archive at 156 GiB.
 *
 * <p>The agent holds one part in memory: the part size (and heap needed) reaches 256 MiB at about 117 GiB of archive
 * (first size 16 MiB), 512 MiB at about 240 GiB and 1 GiB at about 490 GiB.
 */
public final class PartSizes {
  public static final int MAX_PARTS = 10_000;
  public static final int GROW_EVERY = 500;
  /** Below S3's 5 GiB part limit, and small enough for one Java array and a pod's memory. */
  public static final int MAX_PART_BYTES = 1 << 30;

  private PartSizes() {}

  /**
   * Size of part {@code partNumber} (1-based) when the first part has {@code firstPartBytes}.
   *
   * @throws IllegalArgumentException for a part number outside 1..10,000
   */
  public static int size(int partNumber, int firstPartBytes) {
    if (partNumber < 1 || partNumber > MAX_PARTS) {
      throw new IllegalArgumentException("part number " + partNumber + " outside 1.." + MAX_PARTS);
    }
    int doublings = (partNumber - 1) / GROW_EVERY;
    long size = firstPartBytes;
    for (int i = 0; i < doublings && size < MAX_PART_BYTES; i++) {
      size *= 2;
    }
    return (int) Math.max(firstPartBytes, Math.min(size, MAX_PART_BYTES));
  }

  /** Bytes that parts 1..{@code parts} hold together. */
  public static long capacity(int parts, int firstPartBytes) {
    long total = 0;
    for (int p = 1; p <= parts; p++) {
      total += size(p, firstPartBytes);
    }
    return total;
  }
}
