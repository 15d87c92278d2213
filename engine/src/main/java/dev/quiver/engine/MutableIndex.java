package dev.quiver.engine;

/**
 * An index that takes new items and deletions while other threads search it: what a serving
 * path needs to make items recallable between two builds without importing the kind that
 * provides it. Obtained from {@link IndexFormat#newMutable}; items are numbered by their order
 * of addition, and their ids are those ordinals.
 */
public interface MutableIndex extends VectorIndex {

  /**
   * Adds an item and links it in; safe while other threads search and add. Every search that
   * starts after this returns may find it. Returns its id, which is its ordinal.
   */
  long add(float[] vector);

  /**
   * Hides the item with id {@code id} from every search that starts after this returns; false
   * when no live item has it.
   */
  boolean delete(long id);
}
