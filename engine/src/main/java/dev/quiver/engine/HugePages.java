package dev.quiver.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Zeroed native memory that Linux backs with transparent huge pages. A graph walk reads rows
 * scattered over the whole index, and with 4 KiB pages nearly every row also misses the TLB
 * (a few thousand entries cover a few MiB); 2 MiB pages cover the whole index. The memory is
 * mapped anonymously (zero pages, untouched) and advised with {@code MADV_HUGEPAGE} before the
 * first write, which also works where the system's THP mode is {@code madvise}. Elsewhere, or
 * when a call fails, it falls back to the arena's own zeroed allocation. Thread-safe.
 *
 * <p>The mapping is made through the FFM linker, a restricted operation: run with
 * {@code --enable-native-access=ALL-UNNAMED} (the launcher does) to avoid the JDK's warning.
 * Anonymous pages are also zero without being written, so large copies into them skip the
 * zeroing pass that {@link Arena#allocate} makes.
 */
public final class HugePages {
  /** Below this a region spans too few huge pages to matter. */
  private static final long MIN_BYTES = 4L << 20;
  private static final long HUGE = 2L << 20;
  private static final int PROT_READ_WRITE = 0x3;
  private static final int MAP_PRIVATE_ANONYMOUS = 0x22;
  private static final int MADV_HUGEPAGE = 14;
  private static final MethodHandle MMAP;
  private static final MethodHandle MUNMAP;
  private static final MethodHandle MADVISE;

  static {
    MethodHandle mmap = null, munmap = null, madvise = null;
    if (System.getProperty("os.name", "").startsWith("Linux")) {
      try {
        java.lang.foreign.Linker c = java.lang.foreign.Linker.nativeLinker();
        SymbolLookup libc = c.defaultLookup();
        ValueLayout.OfLong size = ValueLayout.JAVA_LONG;
        mmap = find(c, libc, "mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            size, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, size));
        munmap = find(c, libc, "munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, size));
        madvise = find(c, libc, "madvise",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, size, ValueLayout.JAVA_INT));
      } catch (RuntimeException e) {
        // No native access (or no libc symbols): plain allocation it is.
        mmap = null;
      }
    }
    boolean all = mmap != null && munmap != null && madvise != null;
    MMAP = all ? mmap : null;
    MUNMAP = all ? munmap : null;
    MADVISE = all ? madvise : null;
  }

  private HugePages() {}

  private static MethodHandle find(java.lang.foreign.Linker c, SymbolLookup libc, String name,
                                   FunctionDescriptor fd) {
    Optional<MemorySegment> symbol = libc.find(name);
    return symbol.map(s -> c.downcallHandle(s, fd)).orElse(null);
  }

  /**
   * {@code bytes} of zeroed memory, aligned to at least 64 bytes, freed when {@code arena}
   * closes.
   */
  public static MemorySegment allocate(Arena arena, long bytes) {
    if (MMAP == null || bytes < MIN_BYTES) {
      return arena.allocate(bytes, 64);
    }
    try {
      // One huge page more than needed, so that the region can start on a huge-page boundary.
      long length = bytes + HUGE;
      MemorySegment base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length,
          PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
      if (base.address() == -1L) {
        return arena.allocate(bytes, 64);
      }
      long start = (base.address() + HUGE - 1) & -HUGE;
      // A refused advice (THP off) leaves ordinary pages, which are still correct memory.
      int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), bytes, MADV_HUGEPAGE);
      long address = base.address();
      return MemorySegment.ofAddress(start).reinterpret(bytes, arena, s -> unmap(address, length));
    } catch (Throwable t) {
      return arena.allocate(bytes, 64);
    }
  }

  private static void unmap(long address, long length) {
    try {
      int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
    } catch (Throwable t) {
      throw new IllegalStateException("munmap failed", t);
    }
  }
}
