package dev.quiver.spark;

import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.SnapshotLayout;
import dev.quiver.serving.snapshot.SnapshotSource;
import dev.quiver.serving.snapshot.SnapshotWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;

/**
 * Publishes the built snapshot. A root given as a plain path (local or mounted) goes through
 * {@link SnapshotWriter} itself. A root given as a URI ({@code hdfs://...}, any Hadoop file system)
 * follows the same protocol through Hadoop's API: the version is first completed, checksummed and
 * verified by {@link SnapshotWriter} in a local scratch root, then copied to {@code .tmp-...} under
 * the root, renamed to its version's name, and {@code CURRENT} is written aside and renamed over
 * the old pointer (an atomic replace on HDFS; see docs/ARCHITECTURE.md for other file systems).
 */
final class Publisher {
  private final String root;
  private final int retain;
  private final long version;

  Publisher(String root, int retain, long version) {
    this.root = root;
    this.retain = retain;
    this.version = version;
  }

  Manifest publish(SnapshotSource source) throws IOException {
    SnapshotSource s = version == 0 ? source : source.withVersion(version);
    if (Staging.isLocal(root)) {
      return new SnapshotWriter(Path.of(root), retain).publish(s);
    }
    Path scratch = Files.createTempDirectory("quiver-publish");
    try {
      return publishRemote(s, scratch);
    } finally {
      deleteTree(scratch);
    }
  }

  private Manifest publishRemote(SnapshotSource source, Path scratch) throws IOException {
    Configuration conf = new Configuration();
    org.apache.hadoop.fs.Path rootPath = new org.apache.hadoop.fs.Path(root);
    FileSystem fs = rootPath.getFileSystem(conf);
    fs.mkdirs(rootPath);
    long v = chooseVersion(fs, rootPath, source.version());
    Manifest m = new SnapshotWriter(scratch, 1).publish(source.withVersion(v));
    String name = SnapshotLayout.dirName(v);
    org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(rootPath, ".tmp-" + v + "-" + UUID.randomUUID());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(rootPath, name);
    try {
      fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(scratch.resolve(name).toUri()), tmp);
      if (!fs.rename(tmp, dir)) {
        throw new IOException(dir + ": could not rename the new version into place (does it exist?)");
      }
    } finally {
      fs.delete(tmp, true);
    }
    point(conf, rootPath, name);
    prune(fs, rootPath, v);
    return m;
  }

  private long chooseVersion(FileSystem fs, org.apache.hadoop.fs.Path rootPath, long requested) throws IOException {
    long highest = versions(fs, rootPath).stream().mapToLong(Long::longValue).max().orElse(0);
    if (requested != 0 && requested <= highest) {
      throw new IllegalArgumentException("snapshot version " + requested + " is not above the newest in " + root
          + " (" + highest + ")");
    }
    return requested == 0 ? highest + 1 : requested;
  }

  private static List<Long> versions(FileSystem fs, org.apache.hadoop.fs.Path rootPath) throws IOException {
    List<Long> out = new ArrayList<>();
    for (FileStatus st : fs.listStatus(rootPath)) {
      long v = SnapshotLayout.version(st.getPath().getName());
      if (st.isDirectory() && v > 0) {
        out.add(v);
      }
    }
    out.sort(null);
    return out;
  }

  /** Writes the pointer aside, synced, then renames it over {@code CURRENT} in one step. */
  private static void point(Configuration conf, org.apache.hadoop.fs.Path rootPath, String name) throws IOException {
    FileContext fc = FileContext.getFileContext(rootPath.toUri(), conf);
    org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(rootPath, SnapshotLayout.CURRENT + ".tmp");
    try (FSDataOutputStream out = fc.create(tmp, java.util.EnumSet.of(org.apache.hadoop.fs.CreateFlag.CREATE,
        org.apache.hadoop.fs.CreateFlag.OVERWRITE))) {
      out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
      out.hsync();
    }
    fc.rename(tmp, new org.apache.hadoop.fs.Path(rootPath, SnapshotLayout.CURRENT), Options.Rename.OVERWRITE);
  }

  private void prune(FileSystem fs, org.apache.hadoop.fs.Path rootPath, long current) throws IOException {
    List<Long> all = versions(fs, rootPath);
    for (int i = 0; i < all.size() - retain; i++) {
      if (all.get(i) != current) {
        fs.delete(new org.apache.hadoop.fs.Path(rootPath, SnapshotLayout.dirName(all.get(i))), true);
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
