package dev.turnout.mongo;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonSerializationException;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.bson.io.ByteBufferBsonInput;
import org.bson.ByteBufNIO;

/**
 * The simulation's archive. NOT mongodump's byte format: the agent treats archives as opaque bytes (it streams,
 * hashes and stores them), so only the properties it depends on are kept: one stream, optionally gzip'ed (--gzip),
 * a prelude naming every namespace with its indexes (what --dryRun reads, as mongorestore reads only the prelude
 * then), then collection after collection (header, BSON documents, end with count and CRC32), then a trailer.
 * Collection by collection matters: issue 11 "A truncated archive: exit 1 (...) and the collections restored so far
 * stay on the server". The per-collection CRC and the trailer make a cut at a collection boundary, or flipped bytes,
 * detectable too.
 *
 * <p>Frame: one tag byte, then one BSON document.
 */
final class SimArchive {
  static final byte PRELUDE = 'P';
  static final byte HEADER = 'H';
  static final byte DATA = 'D';
  static final byte END = 'E';
  static final byte TRAILER = 'Z';
  static final String FORMAT = "turnout-mongo-sim-archive/1";
  private static final int MAX_DOC = 16 * 1024 * 1024 + 16 * 1024;

  private SimArchive() {}

  /** Writes frames; tracks the CRC of the current collection's documents. */
  static final class Writer implements AutoCloseable {
    private final OutputStream out;
    private final CRC32 crc = new CRC32();
    private long count;
    private int collections;

    Writer(OutputStream raw, boolean gzip) throws IOException {
      OutputStream o = new BufferedOutputStream(raw, 64 * 1024);
      this.out = gzip ? new GZIPOutputStream(o, 64 * 1024) : o;
    }

    void prelude(List<BsonDocument> namespaces, String toolVersion, String serverVersion) throws IOException {
      BsonDocument p =
          new BsonDocument("format", new BsonString(FORMAT))
              .append("toolVersion", new BsonString(toolVersion))
              .append("serverVersion", new BsonString(serverVersion))
              .append("namespaces", new org.bson.BsonArray(List.copyOf(namespaces)));
      frame(PRELUDE, bytes(p));
    }

    void begin(String db, String coll) throws IOException {
      crc.reset();
      count = 0;
      frame(HEADER, bytes(new BsonDocument("db", new BsonString(db)).append("collection", new BsonString(coll))));
    }

    void document(RawBsonDocument doc) throws IOException {
      byte[] b = bytes(doc);
      crc.update(b);
      count++;
      frame(DATA, b);
    }

    long end(String db, String coll) throws IOException {
      collections++;
      frame(
          END,
          bytes(
              new BsonDocument("db", new BsonString(db))
                  .append("collection", new BsonString(coll))
                  .append("count", new BsonInt64(count))
                  .append("crc", new BsonInt64(crc.getValue()))));
      return count;
    }

    void trailer() throws IOException {
      frame(TRAILER, bytes(new BsonDocument("collections", new BsonInt64(collections))));
    }

    private void frame(byte tag, byte[] doc) throws IOException {
      out.write(tag);
      out.write(doc);
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  static byte[] bytes(BsonDocument doc) {
    RawBsonDocument raw = doc instanceof RawBsonDocument r ? r : new RawBsonDocument(doc, new BsonDocumentCodec());
    ByteBuffer bb = raw.getByteBuffer().asNIO();
    byte[] b = new byte[bb.remaining()];
    bb.get(b);
    return b;
  }

  /** One frame read back. */
  record Frame(byte tag, byte[] bytes, BsonDocument doc) {}

  /** The stream ended before the trailer: mongorestore's "error demultiplexing archive; archive io error". */
  static final class Truncated extends IOException {
    Truncated(String detail) {
      super(detail);
    }
  }

  /** Bytes that cannot be what the writer wrote: mongorestore's "corruption found in archive". */
  static final class Corrupt extends IOException {
    Corrupt(String detail) {
      super(detail);
    }
  }

  /** Reads frames; checks every document and each collection's count and CRC against its end frame. */
  static final class Reader {
    private final DataInputStream in;
    private final CRC32 crc = new CRC32();
    private long count;
    private boolean trailerSeen;

    Reader(InputStream raw, boolean gzip) throws IOException {
      InputStream i = new BufferedInputStream(raw, 64 * 1024);
      try {
        this.in = new DataInputStream(gzip ? new GZIPInputStream(i, 64 * 1024) : i);
      } catch (EOFException e) {
        throw new Truncated("empty gzip stream");
      } catch (ZipException e) {
        throw new Corrupt("gzip: " + e.getMessage());
      }
    }

    /** The next frame, or null after the trailer. */
    Frame next() throws IOException {
      if (trailerSeen) {
        return null;
      }
      int tag;
      try {
        tag = in.read();
      } catch (EOFException e) {
        throw new Truncated("unexpected EOF");
      } catch (ZipException e) {
        throw new Corrupt("gzip: " + e.getMessage());
      }
      if (tag < 0) {
        throw new Truncated("EOF before the end of the archive");
      }
      if ("PHDEZ".indexOf(tag) < 0) {
        throw new Corrupt("unknown block type " + tag);
      }
      byte[] bytes = readDocument();
      BsonDocument doc = decode(bytes);
      switch ((byte) tag) {
        case HEADER -> {
          crc.reset();
          count = 0;
        }
        case DATA -> {
          crc.update(bytes);
          count++;
        }
        case END -> {
          if (doc.getInt64("count").getValue() != count || doc.getInt64("crc").getValue() != crc.getValue()) {
            throw new Corrupt(
                "checksum mismatch for " + doc.getString("db").getValue() + "." + doc.getString("collection").getValue());
          }
        }
        case TRAILER -> trailerSeen = true;
        default -> {}
      }
      return new Frame((byte) tag, bytes, doc);
    }

    private byte[] readDocument() throws IOException {
      byte[] len = new byte[4];
      readFully(len);
      int size = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt();
      if (size < 5 || size > MAX_DOC) {
        throw new Corrupt("bson (size: " + size + ")");
      }
      byte[] b = new byte[size];
      System.arraycopy(len, 0, b, 0, 4);
      readFully(b, 4, size - 4);
      return b;
    }

    private void readFully(byte[] b) throws IOException {
      readFully(b, 0, b.length);
    }

    private void readFully(byte[] b, int off, int len) throws IOException {
      try {
        in.readFully(b, off, len);
      } catch (EOFException e) {
        throw new Truncated("unexpected EOF");
      } catch (ZipException e) {
        throw new Corrupt("gzip: " + e.getMessage());
      }
    }

    private static BsonDocument decode(byte[] bytes) throws Corrupt {
      try (ByteBufferBsonInput input = new ByteBufferBsonInput(new ByteBufNIO(ByteBuffer.wrap(bytes)))) {
        return new BsonDocumentCodec()
            .decode(new org.bson.BsonBinaryReader(input), DecoderContext.builder().build());
      } catch (BsonSerializationException | org.bson.BsonInvalidOperationException e) {
        throw new Corrupt("bson: " + e.getMessage());
      }
    }
  }
}
