package dev.quiver.serving.recall;

import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.util.List;

/**
 * Which user vector searches which item head's index. Each pair gives one list to merge: a user
 * tower of several heads with one item index searches it once per user head; one user head with
 * several item heads searches each item head's index with the same vector; as many user heads as
 * item heads pair by position (user head i with item head i, as a model trained per objective
 * scores them). Heads may differ in dimension, but the two heads of a pair must give the same
 * one: a user vector searches an index of its own dimension. Immutable.
 *
 * @param userHeads heads of the user tower
 * @param itemHeads item heads, one index each
 */
public record HeadPairing(int userHeads, int itemHeads) {
  /** The pairing of a served snapshot; IllegalStateException when its heads cannot pair. */
  public static HeadPairing of(Snapshot<TowerModel> snapshot) {
    try {
      return of(snapshot.model(), snapshot.itemHeads());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("snapshot v" + snapshot.version() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The pairing of {@code model}'s user heads with {@code itemHeads} item indexes (item head h's
   * vectors in index h).
   *
   * @throws IllegalArgumentException naming the heads and their dimensions when they cannot pair
   */
  public static HeadPairing of(TowerModel model, int itemHeads) {
    Tower user = model.user(), item = model.item();
    int u = user.heads();
    if (u != 1 && itemHeads != 1 && u != itemHeads) {
      throw new IllegalArgumentException(u + " user heads " + user.headNames() + " cannot pair with " + itemHeads
          + " item heads " + item.headNames() + "; give both towers as many heads, or one of them one");
    }
    HeadPairing p = new HeadPairing(u, itemHeads);
    for (int l = 0; l < p.lists(); l++) {
      int uh = p.userHead(l), ih = p.itemHead(l);
      if (user.headDim(uh) != item.headDim(ih)) {
        throw new IllegalArgumentException("user head '" + user.headNames().get(uh) + "' (" + user.headDim(uh)
            + "-d) pairs with item head '" + item.headNames().get(ih) + "' (" + item.headDim(ih)
            + "-d); paired heads must give the same dimension (user heads " + user.describeHeads()
            + ", item heads " + item.describeHeads() + ")");
      }
    }
    return p;
  }

  /** The lists searched and merged: one per pair. */
  public int lists() {
    return Math.max(userHeads, itemHeads);
  }

  /** The user head whose vector list {@code l} searches with. */
  public int userHead(int l) {
    return userHeads == 1 ? 0 : l;
  }

  /** The item head whose index list {@code l} searches. */
  public int itemHead(int l) {
    return itemHeads == 1 ? 0 : l;
  }

  /** The lists' names: the user heads', or the item heads' when the user tower has one head. */
  public static List<String> names(Snapshot<TowerModel> snapshot) {
    HeadPairing p = of(snapshot);
    return p.userHeads == 1 && p.itemHeads > 1 ? snapshot.model().item().headNames()
        : snapshot.model().user().headNames();
  }
}
