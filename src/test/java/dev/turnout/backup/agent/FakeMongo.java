package dev.turnout.backup.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Fake mongodump / mongorestore / mongod shell scripts in a temp dir; they record what they got there. */
public final class FakeMongo {
  public final Path dir;
  public final Path archive;
  public final byte[] archiveBytes;

  public FakeMongo(Path dir, byte[] archiveBytes) throws IOException {
    this.dir = dir;
    this.archiveBytes = archiveBytes;
    this.archive = dir.resolve("archive.gz");
    Files.write(archive, archiveBytes);
  }

  /** A deterministic gzip stream of about {@code rawMb} MiB (mostly incompressible, so about as big compressed). */
  public static byte[] deterministicArchive(int rawMb, long seed) throws IOException {
    Random r = new Random(seed);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      byte[] chunk = new byte[64 * 1024];
      for (int i = 0; i < rawMb * 16; i++) {
        r.nextBytes(chunk);
        gz.write(chunk);
        gz.write(("collection chunk " + i + "\n").repeat(20).getBytes(StandardCharsets.UTF_8));
      }
    }
    return bytes.toByteArray();
  }

  /** mongodump: prints --version, copies its --config file, writes the archive (or failAfter bytes then exit 1). */
  public Path mongodump(long failAfterBytes) throws IOException {
    String body =
        """
        #!/bin/sh
        D='%s'
        for a in "$@"; do
          case "$a" in
            --version) echo "mongodump version: 100.10.0-fake"; echo "git version: fake"; exit 0 ;;
            --config=*) f="${a#--config=}"; cp "$f" "$D/mongodump.config"; stat -c %%a "$f" > "$D/mongodump.config.mode"; echo "$f" > "$D/mongodump.config.path" ;;
          esac
        done
        printf '%%s\\n' "$@" > "$D/mongodump.args"
        echo "writing test.items to archive on stdout" >&2
        if [ %d -ge 0 ]; then
          head -c %d "$D/archive.gz"
          echo "Failed: error writing data for collection test.items: connection reset by peer" >&2
          exit 1
        fi
        cat "$D/archive.gz"
        echo "2026-01-01T03:00:01.000+0000	done dumping test.items (1000 documents)" >&2
        echo "2026-01-01T03:00:01.000+0000	done dumping test.users (42 documents)" >&2
        exit 0
        """
            .formatted(dir, failAfterBytes, failAfterBytes);
    return script("mongodump", body);
  }

  /** mongorestore: records args and config, reads stdin to the end into mongorestore.stdin, reports counts. */
  public Path mongorestore(long itemsCount) throws IOException {
    String body =
        """
        #!/bin/sh
        D='%s'
        for a in "$@"; do
          case "$a" in
            --config=*) f="${a#--config=}"; cp "$f" "$D/mongorestore.config"; stat -c %%a "$f" > "$D/mongorestore.config.mode" ;;
          esac
        done
        printf '%%s\\n' "$@" > "$D/mongorestore.args"
        cat > "$D/mongorestore.stdin"
        echo "finished restoring test.items (%d documents, 0 failures)" >&2
        echo "finished restoring test.users (42 documents, 0 failures)" >&2
        echo "%d document(s) restored successfully. 0 document(s) failed to restore." >&2
        exit 0
        """
            .formatted(dir, itemsCount, itemsCount + 42);
    return script("mongorestore", body);
  }

  /** mongod: records args and listens on --port until killed (python3). */
  public Path mongod() throws IOException {
    String body =
        """
        #!/bin/sh
        D='%s'
        printf '%%s\\n' "$@" > "$D/mongod.args"
        while [ $# -gt 0 ]; do case "$1" in --port) PORT="$2"; shift ;; esac; shift; done
        exec python3 -c "import socket,time
        s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $PORT)); s.listen(5)
        time.sleep(600)"
        """
            .formatted(dir);
    return script("mongod", body);
  }

  private Path script(String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }

  public String read(String file) throws IOException {
    return Files.readString(dir.resolve(file));
  }

  public boolean exists(String file) {
    return Files.exists(dir.resolve(file));
  }
}
