package dev.turnout.backup.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Object Lock decision as AWS documents it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html):
 * a version may not be deleted while a legal hold is ON, nor before its retain-until date in either mode (GOVERNANCE
 * can be bypassed with s3:BypassGovernanceRetention, which Turnout never uses); S3's clock decides.
 */
class ObjectLocksTest {
  static final Instant SERVER = Instant.parse("2026-12-02T12:00:00Z");
  static final Instant OPERATOR = Instant.parse("2027-06-01T00:00:00Z"); // far ahead: must not matter when S3 sent a Date

  static Stream<Arguments> table() {
    return Stream.of(
        row("no lock", new ObjectLocks.Lock(null, null, false, SERVER), null),
        row("COMPLIANCE until after the server's clock", new ObjectLocks.Lock("COMPLIANCE", SERVER.plusSeconds(1), false, SERVER),
            "COMPLIANCE retention until 2026-12-02T12:00:01Z"),
        row("GOVERNANCE until after the server's clock", new ObjectLocks.Lock("GOVERNANCE", SERVER.plusSeconds(86400), false, SERVER),
            "GOVERNANCE retention until 2026-12-03T12:00:00Z"),
        row("retain-until equal to the server's clock: expired", new ObjectLocks.Lock("COMPLIANCE", SERVER, false, SERVER), null),
        row("retain-until passed on the server's clock (the operator's is irrelevant)",
            new ObjectLocks.Lock("COMPLIANCE", SERVER.minusSeconds(1), false, SERVER), null),
        row("retain-until before the operator's clock but after the server's: held",
            new ObjectLocks.Lock("GOVERNANCE", OPERATOR.minusSeconds(3600), false, SERVER),
            "GOVERNANCE retention until 2027-05-31T23:00:00Z"),
        row("legal hold without a date", new ObjectLocks.Lock(null, null, true, SERVER), "legal hold"),
        row("legal hold after the retention passed", new ObjectLocks.Lock("COMPLIANCE", SERVER.minusSeconds(60), true, SERVER),
            "legal hold"),
        row("no Date from S3: the operator's clock", new ObjectLocks.Lock("COMPLIANCE", OPERATOR.plusSeconds(1), false, null),
            "COMPLIANCE retention until 2027-06-01T00:00:01Z"),
        row("no Date from S3, passed on the operator's clock", new ObjectLocks.Lock("COMPLIANCE", SERVER, false, null), null));
  }

  static Arguments row(String name, ObjectLocks.Lock lock, String hold) {
    return Arguments.of(name, lock, hold);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decides(String name, ObjectLocks.Lock lock, String expectedHold) {
    assertThat(ObjectLocks.hold(lock, OPERATOR).orElse(null)).isEqualTo(expectedHold);
  }
}
