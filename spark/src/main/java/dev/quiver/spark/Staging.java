package dev.quiver.spark;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Where tasks leave the index files they build for the driver to publish: a directory beside the
 * snapshot root ({@code .staging-UUID}, never a version name, so no reader looks at it), on the
 * root's file system so that the driver links rather than copies them when it can. A local or
 * mounted root given as a plain path is used through {@code java.nio}; a URI through Hadoop's
 * {@link FileSystem}.
 * Serializable: the driver creates it, tasks write into it, the driver deletes it.
 */
final class Staging implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String dir;

  private Staging(String dir) {
    this.dir = dir;
  }

  /** A new, unique staging directory name beside {@code root} (created by the first file put). */
  static Staging beside(String root) {
    String base = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    return new Staging(base + "/.staging-" + UUID.randomUUID());
  }

  /**
   * Whether {@code root} is a plain path (local or mounted), used through {@code java.nio}; a URI,
   * {@code file:} included, goes through Hadoop as the {@link Publisher} does.
   */
  static boolean isLocal(String root) {
    return URI.create(root.replace(" ", "%20")).getScheme() == null;
  }

  private static Path localPath(String root) {
    return Path.of(root);
  }

  /** Item head {@code head}'s shard {@code shard}. */
  String file(int head, int shard) {
    return dir + "/" + name(head, shard);
  }

  private static String name(int head, int shard) {
    return (head == 0 ? "" : "h" + head + "-") + "shard-" + shard + ".qvi";
  }

  /** Moves {@code local} (a task's file) into the staging directory as item head {@code head}'s shard {@code shard}. */
  void put(Path local, int head, int shard) throws IOException {
    if (isLocal(dir)) {
      Path target = localPath(file(head, shard));
      Files.createDirectories(target.getParent());
      Files.move(local, target, StandardCopyOption.REPLACE_EXISTING);
    } else {
      org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(file(head, shard));
      target.getFileSystem(new Configuration()).copyFromLocalFile(true, true,
          new org.apache.hadoop.fs.Path(local.toUri()), target);
    }
  }

  /** Item head {@code head}'s shard files as local paths: in place on a local root, else copied into {@code scratch}. */
  List<Path> fetch(int head, int shards, Path scratch) throws IOException {
    List<Path> files = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      if (isLocal(dir)) {
        files.add(localPath(file(head, s)));
      } else {
        Path local = scratch.resolve(name(head, s));
        org.apache.hadoop.fs.Path from = new org.apache.hadoop.fs.Path(file(head, s));
        from.getFileSystem(new Configuration()).copyToLocalFile(false, from,
            new org.apache.hadoop.fs.Path(local.toUri()), true);
        files.add(local);
      }
    }
    return files;
  }

  /** Removes the staging directory and whatever tasks left in it. */
  void delete() throws IOException {
    if (isLocal(dir)) {
      Publisher.deleteTree(localPath(dir));
    } else {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir);
      p.getFileSystem(new Configuration()).delete(p, true);
    }
  }
}
