package dev.quiver.bench.peers;

import java.util.List;
import java.util.Locale;

/** The peers the sweep knows by name. */
public final class Peers {
  private static final List<Peer> ALL = List.of(new FaissPeer(), new HnswlibPeer(), new LucenePeer());

  private Peers() {}

  /** The peer called {@code name}; IllegalArgumentException naming it and the known ones otherwise. */
  public static Peer forName(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (Peer p : ALL) {
      if (p.name().equals(n)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown peer '" + name + "'; known peers: "
        + String.join(", ", ALL.stream().map(Peer::name).toList()));
  }
}
