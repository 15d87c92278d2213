package dev.quiver.gpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;

/**
 * An embedding table ({@code rows x dim} floats) resident on the GPU, pooled over bags of ids.
 *
 * <p>Bags are given in CSR form: bag {@code b} holds {@code ids[offsets[b] .. offsets[b+1])}. Each
 * bag's pooled row is written at {@code out + b * ld} floats, so tables of one tower write side
 * by side into the columns of one input matrix (the concatenation of its features). The device
 * entry point reads ids unchecked (a kernel cannot throw): they must have been validated, as
 * {@link #pool(int[], int[], int, Pooling, float[], int, int)} does.
 *
 * <p>Not thread-safe; {@link #close()} frees the table.
 */
public final class GpuEmbeddingTable implements AutoCloseable {
  private final Cuda cuda;
  private final CudaBinding binding;
  private final int rows;
  private final int dim;
  private final DeviceBuffer table;

  private GpuEmbeddingTable(Cuda cuda, int rows, int dim, DeviceBuffer table) {
    this.cuda = cuda;
    this.binding = cuda.binding();
    this.rows = rows;
    this.dim = dim;
    this.table = table;
  }

  /**
   * Uploads {@code values} ({@code rows x dim}, row-major).
   *
   * @throws IllegalArgumentException if the shape does not match {@code values}
   */
  public static GpuEmbeddingTable upload(Cuda cuda, float[] values, int rows, int dim,
      CudaStream stream) {
    if (rows <= 0 || dim <= 0 || values.length != (long) rows * dim) {
      throw new IllegalArgumentException("table of " + values.length + " values is not rows x dim = "
          + rows + " x " + dim);
    }
    return new GpuEmbeddingTable(cuda, rows, dim, DeviceBuffer.of(cuda, values, stream));
  }

  /** Rows of the table. */
  public int rows() {
    return rows;
  }

  /** Width of a row. */
  public int dim() {
    return dim;
  }

  /**
   * Enqueues the pooling of {@code bags} bags whose ids and offsets are already on the device
   * (int32; ids validated against {@link #rows()}), into {@code out} at byte {@code outOffset}
   * with a row stride of {@code ld} floats.
   */
  public void pool(DeviceBuffer ids, DeviceBuffer offsets, int bags, Pooling pooling,
      DeviceBuffer out, long outOffset, int ld, CudaStream stream) {
    if (bags < 0 || ld < dim) {
      throw new IllegalArgumentException("bags=" + bags + " must be >= 0 and ld=" + ld
          + " >= dim=" + dim);
    }
    if (offsets.bytes() < (bags + 1L) * Integer.BYTES) {
      throw new IllegalArgumentException("offsets holds " + offsets.bytes() / Integer.BYTES
          + " ints, " + (bags + 1) + " needed");
    }
    long lastRow = bags == 0 ? 0 : ((bags - 1L) * ld + dim) * Float.BYTES;
    if (outOffset < 0 || outOffset > out.bytes() - lastRow) {
      throw new IllegalArgumentException(bags + " rows of stride " + ld + " at byte " + outOffset
          + " do not fit the output's " + out.bytes() + " bytes");
    }
    binding.embeddingPool(table.pointer(0), dim, ids.pointer(0), offsets.pointer(0), bags,
        pooling.code(), out.pointer(outOffset), ld, stream.handle());
  }

  /**
   * Pools bags given on the host into {@code out} (row {@code b} at {@code out[b * ld + column]}),
   * synchronously. It stages through freshly allocated device memory: a convenience for offline
   * work and tests, not the serving path.
   *
   * @throws IllegalArgumentException naming an id outside the table or a malformed offset
   */
  public void pool(int[] ids, int[] offsets, int bags, Pooling pooling, float[] out, int ld,
      int column) {
    checkBags(ids, offsets, bags);
    if (column < 0 || ld < column + dim || out.length < (long) bags * ld) {
      throw new IllegalArgumentException("out of " + out.length + " floats cannot hold " + bags
          + " rows of stride " + ld + " with " + dim + " columns at " + column);
    }
    long idBytes = (long) ids.length * Integer.BYTES;
    long offsetBytes = (bags + 1L) * Integer.BYTES;
    long outBytes = (long) bags * ld * Float.BYTES;
    try (CudaStream stream = CudaStream.create(cuda);
        DeviceBuffer dIds = DeviceBuffer.allocate(cuda, idBytes);
        DeviceBuffer dOffsets = DeviceBuffer.allocate(cuda, offsetBytes);
        DeviceBuffer dOut = DeviceBuffer.allocate(cuda, outBytes);
        PinnedBuffer staging = PinnedBuffer.allocate(cuda, idBytes + offsetBytes + outBytes)) {
      MemorySegment hostIds = staging.segment().asSlice(0, idBytes);
      MemorySegment hostOffsets = staging.segment().asSlice(idBytes, offsetBytes);
      MemorySegment hostOut = staging.segment().asSlice(idBytes + offsetBytes, outBytes);
      MemorySegment.copy(ids, 0, hostIds, JAVA_INT, 0, ids.length);
      MemorySegment.copy(offsets, 0, hostOffsets, JAVA_INT, 0, bags + 1);
      MemorySegment.copy(out, 0, hostOut, JAVA_FLOAT, 0, bags * ld);
      dIds.copyFromHost(hostIds, 0, idBytes, stream);
      dOffsets.copyFromHost(hostOffsets, 0, offsetBytes, stream);
      dOut.copyFromHost(hostOut, 0, outBytes, stream);
      pool(dIds, dOffsets, bags, pooling, dOut, (long) column * Float.BYTES, ld, stream);
      dOut.copyToHost(0, hostOut, outBytes, stream);
      stream.synchronize();
      MemorySegment.copy(hostOut, JAVA_FLOAT, 0, out, 0, bags * ld);
    }
  }

  private void checkBags(int[] ids, int[] offsets, int bags) {
    if (bags < 0 || offsets.length < bags + 1 || offsets[0] != 0) {
      throw new IllegalArgumentException("offsets must hold bags + 1 = " + (bags + 1)
          + " entries starting at 0");
    }
    for (int b = 0; b < bags; b++) {
      if (offsets[b + 1] < offsets[b] || offsets[b + 1] > ids.length) {
        throw new IllegalArgumentException("offsets[" + (b + 1) + "] = " + offsets[b + 1]
            + " is below offsets[" + b + "] or beyond the " + ids.length + " ids");
      }
    }
    for (int p = 0; p < offsets[bags]; p++) {
      if (ids[p] < 0 || ids[p] >= rows) {
        throw new IllegalArgumentException("ids[" + p + "] = " + ids[p] + " is outside the table's "
            + rows + " rows");
      }
    }
  }

  /** Frees the table; idempotent. */
  @Override
  public void close() {
    table.close();
  }
}
