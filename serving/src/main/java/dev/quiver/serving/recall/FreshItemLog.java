package dev.quiver.serving.recall;

import dev.quiver.tower.Tower;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The append-only log of fresh-item adds and takedowns that keeps them across a restart. Each
 * record is framed as its length and CRC32C, then the event (kind, time, id, and for an add the
 * raw features by name, see {@link RowCodec}). A batch is appended and forced to disk before
 * its items become visible, so that nothing a caller saw accepted is lost by a crash. A torn
 * tail (a crash inside a write) fails its length or checksum and is cut off on the next open.
 * {@link #rewrite} replaces the log atomically with the records still needed.
 *
 * <p>Not thread-safe: {@link FreshItems} calls it under its commit lock.
 */
final class FreshItemLog implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(FreshItemLog.class.getName());
  private static final byte ADD = 1;
  private static final byte REMOVE = 2;
  private static final int MAX_RECORD = 1 << 24;

  private final Path path;
  private FileChannel channel;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

  private FreshItemLog(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  /**
   * Opens (or creates) the log at {@code path}, reads its records with rows of {@code tower} into
   * {@code into}, and cuts off a torn tail.
   */
  static FreshItemLog open(Path path, Tower tower, List<FreshRecord> into) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      long good = replay(path, ch, tower, into);
      if (good < ch.size()) {
        LOG.log(System.Logger.Level.WARNING, path + ": cut a torn tail of " + (ch.size() - good)
            + " bytes after " + into.size() + " records");
        ch.truncate(good);
        ch.force(true);
      }
      ch.position(good);
      return new FreshItemLog(path, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Reads whole records into {@code into}; returns the offset after the last good one. */
  private static long replay(Path path, FileChannel ch, Tower tower, List<FreshRecord> into) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(8);
    long pos = 0;
    long size = ch.size();
    while (pos + 8 <= size) {
      head.clear();
      ch.read(head, pos);
      int length = head.getInt(0);
      int crc = head.getInt(4);
      if (length <= 0 || length > MAX_RECORD || pos + 8 + length > size) {
        return pos;
      }
      ByteBuffer body = ByteBuffer.allocate(length);
      ch.read(body, pos + 8);
      if (crc(body.array(), length) != crc) {
        return pos;
      }
      into.add(decode(path, body.array(), tower));
      pos += 8 + length;
    }
    return pos;
  }

  private static FreshRecord decode(Path path, byte[] body, Tower tower) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
    byte kind = in.readByte();
    long millis = in.readLong();
    long id = in.readLong();
    if (kind == ADD) {
      return new FreshRecord(millis, id, RowCodec.read(in, tower));
    }
    if (kind == REMOVE) {
      return new FreshRecord(millis, id, null);
    }
    throw new IOException(path + ": fresh-item record of unknown kind " + kind);
  }

  /**
   * Appends {@code records} and forces them to disk, with one write and one force however many
   * batches they hold. On failure the log is cut back to where it was, so that a later append
   * does not follow a torn record (which replay would stop at).
   */
  void append(List<FreshRecord> records) throws IOException {
    ByteBuffer bytes = encode(records);
    long start = channel.size();
    try {
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(false);
    } catch (IOException e) {
      try {
        channel.truncate(start);
      } catch (IOException cut) {
        e.addSuppressed(cut);
      }
      throw e;
    }
  }

  /** Replaces the log with {@code records}: written beside it, forced, renamed over it. */
  void rewrite(List<FreshRecord> records) throws IOException {
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer bytes = encode(records);
      while (bytes.hasRemaining()) {
        out.write(bytes);
      }
      out.force(true);
    }
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel dir = FileChannel.open(path.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
    channel.close();
    channel = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  private ByteBuffer encode(List<FreshRecord> records) throws IOException {
    buffer.reset();
    DataOutputStream out = new DataOutputStream(buffer);
    ByteArrayOutputStream one = new ByteArrayOutputStream();
    DataOutputStream body = new DataOutputStream(one);
    for (FreshRecord r : records) {
      one.reset();
      body.writeByte(r.isAdd() ? ADD : REMOVE);
      body.writeLong(r.millis());
      body.writeLong(r.id());
      if (r.isAdd()) {
        RowCodec.write(r.features(), body);
      }
      body.flush();
      out.writeInt(one.size());
      out.writeInt(crc(one.toByteArray(), one.size()));
      one.writeTo(out);
    }
    out.flush();
    return ByteBuffer.wrap(buffer.toByteArray());
  }

  private static int crc(byte[] bytes, int length) {
    CRC32C c = new CRC32C();
    c.update(bytes, 0, length);
    return (int) c.getValue();
  }

  Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
