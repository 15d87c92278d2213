package dev.quiver.serving.recall;

import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.tower.TowerModel;
import java.util.List;

/**
 * Which user vector searches which item head's index. Each pair gives one list to merge: a user
 * tower of several heads with one item index searches it once per user head; one user head with
 * several item heads searches each item head's index with the same vector; as many user heads as
 * item heads pair by position (user head i with item head i, as a model trained per objective
 * scores them). Immutable.
 *
 * @param userHeads heads of the user tower
 * @param itemHeads item heads, one index each
 */
public record HeadPairing(int userHeads, int itemHeads) {
  /** The pairing of a served snapshot; IllegalStateException when its heads cannot pair. */
  public static HeadPairing of(Snapshot<TowerModel> snapshot) {
    int user = snapshot.model().user().heads();
    int item = snapshot.itemHeads();
    if (user != 1 && item != 1 && user != item) {
      throw new IllegalStateException("snapshot v" + snapshot.version() + ": " + user + " user heads "
          + snapshot.model().user().headNames() + " cannot pair with " + item + " item heads "
          + snapshot.model().item().headNames() + "; give both towers as many heads, or one of them one");
    }
    return new HeadPairing(user, item);
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
