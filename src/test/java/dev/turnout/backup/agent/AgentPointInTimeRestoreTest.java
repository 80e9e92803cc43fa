package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turnout.backup.agent.AgentRestoreTest.Run;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.mongo.MongoServerFixture;
import dev.turnout.mongo.MongoToolScripts;
import dev.turnout.mongo.SimArchives;
import dev.turnout.mongo.SimArchives.Oplog;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Point-in-time restores (issue 11, "beyond the anchors": {@code --oplogReplay} on restore) end to end: a backup as
 * {@code mongodump --oplog} of a replica set writes it (SimArchives.withOplog: the collections as read, then the
 * oplog of the dump's window), restored by the agent through a throwaway mongod (the simulated one) into a real
 * wire-protocol server, with S3Proxy. Each test asserts what the target holds afterwards.
 */
class AgentPointInTimeRestoreTest {
  static final String KEY = AgentRestoreTest.KEY;
  static S3TestServer s3server;
  static MongoToolScripts.Tools tools;

  @TempDir static Path toolDir;
  MongoServerFixture target;
  String bucket;
  S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    s3server = new S3TestServer();
    tools = MongoToolScripts.install(toolDir);
  }

  @AfterAll
  static void stop() throws Exception {
    s3server.close();
  }

  @BeforeEach
  void setUp() {
    target = new MongoServerFixture();
    bucket = s3server.newBucket();
    s3 = s3server.settings(bucket, "prod/").newClient();
  }

  @AfterEach
  void tearDown() {
    target.close();
  }

  static Document user(int id, String name) {
    return new Document("_id", id).append("name", name);
  }

  /**
   * auto_author.users _id 0..4 as the collection dump read them, while the application wrote: _id 2 inserted just
   * before it was read (so the oplog has it again), _id 5 inserted, _id 0 renamed, _id 1 deleted, and a new collection
   * auto_author.books with one document, all before the dump ended.
   */
  static byte[] dumpedWhileWritten(List<Document> extra) {
    List<Document> users = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      users.add(user(i, "u" + i));
    }
    List<Document> oplog = new ArrayList<>(List.of(
        Oplog.insert(1000, 1, "auto_author.users", user(2, "u2")),
        Oplog.insert(1001, 1, "auto_author.users", user(5, "u5")),
        Oplog.update(1001, 2, "auto_author.users", 0, new Document("name", "renamed during the dump")),
        Oplog.delete(1002, 1, "auto_author.users", 1),
        Oplog.noop(1002, 2),
        Oplog.command(1003, 1, "auto_author", new Document("create", "books")),
        Oplog.insert(1003, 2, "auto_author.books", new Document("_id", "b1").append("title", "written last"))));
    oplog.addAll(extra);
    return SimArchives.withOplog(Map.of("auto_author.users", users), oplog);
  }

  Map<String, String> env(String uri, String pointInTime) {
    Map<String, String> env = new HashMap<>();
    env.put("MONGODB_URI", uri);
    env.put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
    env.put("S3_ENDPOINT", s3server.endpoint());
    env.put("S3_REGION", "eu-west-1");
    env.put("S3_BUCKET", bucket);
    env.put("S3_PREFIX", "prod/");
    env.put("S3_FORCE_PATH_STYLE", "true");
    env.put("MONGODUMP", tools.mongodump().toString());
    env.put("MONGORESTORE", tools.mongorestore().toString());
    env.put("MONGOD", tools.mongod().toString());
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "3000");
    env.put("OBJECT", KEY);
    env.put("DROP", "true");
    env.put("RESTORE_ID", "5eed0000-0000-4000-8000-000000000000");
    if (pointInTime != null) {
      env.put("POINT_IN_TIME", pointInTime);
    }
    return env;
  }

  /** An archive and a manifest that matches its bytes; counts as mongodump reported them while reading. */
  void upload(byte[] archive, boolean pointInTime) throws Exception {
    upload(archive, pointInTime, 5);
  }

  void upload(byte[] archive, boolean pointInTime, long users) throws Exception {
    upload(archive, pointInTime, users, null);
  }

  void upload(byte[] archive, boolean pointInTime, long users, String serverVersion) throws Exception {
    s3.putObject(b -> b.bucket(bucket).key(KEY), RequestBody.fromBytes(archive));
    BackupManifest m = new BackupManifest();
    m.object = KEY;
    m.sizeBytes = archive.length;
    m.sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
    m.startedAt = "2026-11-20T03:00:00Z";
    m.completedAt = "2026-11-20T03:00:01Z";
    m.counts = new LinkedHashMap<>(Map.of("auto_author.users", users));
    m.pointInTime = pointInTime;
    m.topology = pointInTime ? "replicaSet" : "standalone";
    m.verified = true;
    m.serverVersion = serverVersion;
    new BackupCatalog(s3, bucket, "prod/").writeManifest(m);
  }

  Document userInTarget(String db, int id) {
    return target.client().getDatabase(db).getCollection("users").find(new Document("_id", id)).first();
  }

  @Test
  void aPointInTimeBackupIsRestoredAsTheDataWasWhenItsDumpEnded() throws Exception {
    upload(dumpedWhileWritten(List.of()), true);
    target.seed("auto_author_staging", "users", 9); // last week's staging data: replaced
    Map<String, String> env = env(target.uri("auto_author_staging"), null); // IfAvailable, the default
    env.put("NS_FROM", "auto_author.*");
    env.put("NS_TO", "auto_author_staging.*");
    Run r = AgentRestoreTest.run(env, "restore");
    assertThat(r.rc()).as(r.stderr()).isZero();
    // renamed through the staging collections although mongorestore --oplogReplay refuses renames: replayed in scratch
    assertThat(target.counts()).isEqualTo(Map.of("auto_author_staging.users", 5L, "auto_author_staging.books", 1L));
    assertThat(userInTarget("auto_author_staging", 0)).containsEntry("name", "renamed during the dump");
    assertThat(userInTarget("auto_author_staging", 1)).as("deleted during the dump").isNull();
    assertThat(userInTarget("auto_author_staging", 5)).as("inserted during the dump").isNotNull();
    JsonNode res = r.result();
    assertThat(res.get("ok").asBoolean()).isTrue();
    assertThat(res.get("pointInTime").asBoolean()).isTrue();
    assertThat(res.get("oplogEntries").asLong()).isEqualTo(6); // the no-op is skipped, not applied
    assertThat(res.get("documents").asLong()).isEqualTo(6);
    assertThat(res.get("restored").get("auto_author_staging.books").asLong()).isEqualTo(1);
    assertThat(r.stderr()).contains("as of the end of its dump (6 oplog entries replayed)");
  }

  @Test
  void requiredRefusesABackupWithoutAnOplogAndLeavesTheTargetAsItWas() throws Exception {
    upload(SimArchives.archive(Map.of("auto_author.users", List.of(user(0, "u0")))), false, 1);
    target.seed("auto_author", "users", 3);
    Run r = AgentRestoreTest.run(env(target.uri(), "Required"), "restore");
    assertThat(r.rc()).isEqualTo(2);
    assertThat(r.stderr()).contains("POINT_IN_TIME is Required, but " + KEY + " is not a point-in-time backup")
        .contains("topology: standalone").doesNotContain("mongorestore:");
    assertThat(target.counts()).isEqualTo(Map.of("auto_author.users", 3L));
    assertThat(r.result().get("targetUnchanged").asBoolean()).isTrue();
  }

  @Test
  void offRestoresTheCollectionsAsDumpedWithoutAScratchServer() throws Exception {
    upload(dumpedWhileWritten(List.of()), true);
    Map<String, String> env = env(target.uri(), "Off");
    env.put("MONGOD", "/nonexistent/mongod"); // not needed without a replay
    Run r = AgentRestoreTest.run(env, "restore");
    assertThat(r.rc()).as(r.stderr()).isZero();
    assertThat(target.counts()).isEqualTo(Map.of("auto_author.users", 5L));
    assertThat(userInTarget("auto_author", 0)).containsEntry("name", "u0");
    assertThat(r.result().get("pointInTime").asBoolean()).isFalse();
    assertThat(r.stderr()).contains("POINT_IN_TIME is Off");
  }

  /**
   * mongorestore guarantees nothing across major versions, the oplog least: a backup of another major version than
   * the agent's mongod is restored as dumped (IfAvailable) or refused with the target unchanged (Required).
   */
  @Test
  void aBackupOfAnotherMajorVersionIsNotReplayed() throws Exception {
    upload(dumpedWhileWritten(List.of()), true, 5, "1.0.0"); // no scratch mongod of this test is a 1.0
    Run asDumped = AgentRestoreTest.run(env(target.uri(), null), "restore");
    assertThat(asDumped.rc()).as(asDumped.stderr()).isZero();
    assertThat(asDumped.result().get("pointInTime").asBoolean()).isFalse();
    assertThat(asDumped.stderr()).contains("was dumped from MongoDB 1.0.0").contains("without replaying the oplog");
    assertThat(userInTarget("auto_author", 0)).as("as dumped: the rename during the dump is not applied").containsEntry("name", "u0");

    target.seed("auto_author", "users", 100, 3); // written since: must survive the refused restore
    Map<String, Long> before = target.counts();
    Run required = AgentRestoreTest.run(env(target.uri(), "Required"), "restore");
    assertThat(required.rc()).isEqualTo(2);
    assertThat(required.stderr()).contains("POINT_IN_TIME is Required: refusing to restore");
    assertThat(required.result().get("targetUnchanged").asBoolean()).isTrue();
    assertThat(target.counts()).isEqualTo(before);
  }

  @Test
  void ifAvailableRestoresABackupWithoutAnOplogAsDumped() throws Exception {
    upload(SimArchives.archive(Map.of("auto_author.users", List.of(user(0, "u0"), user(1, "u1")))), false, 2);
    Run r = AgentRestoreTest.run(env(target.uri(), null), "restore");
    assertThat(r.rc()).as(r.stderr()).isZero();
    assertThat(target.counts()).isEqualTo(Map.of("auto_author.users", 2L));
    assertThat(r.result().get("pointInTime").asBoolean()).isFalse();
    assertThat(r.stderr()).contains("is not point-in-time (no oplog)");
  }

  @Test
  void aReplayThatFailsLeavesTheTargetAsItWas() throws Exception {
    // an oplog command mongorestore does not know: it exits 1 midway through the replay, in the scratch server
    upload(dumpedWhileWritten(List.of(Oplog.command(1004, 1, "auto_author", new Document("fooBar", 1)))), true);
    target.seed("auto_author", "users", 3);
    Run r = AgentRestoreTest.run(env(target.uri(), "Required"), "restore");
    assertThat(r.rc()).isEqualTo(1);
    assertThat(r.stderr()).contains("point-in-time replay of " + KEY + ": mongorestore --oplogReplay exited 1")
        .contains("unknown oplog command name fooBar");
    assertThat(target.counts()).isEqualTo(Map.of("auto_author.users", 3L));
    JsonNode res = r.result();
    assertThat(res.get("targetUnchanged").asBoolean()).isTrue();
    assertThat(res.get("pointInTime").asBoolean()).isTrue();
  }
}
