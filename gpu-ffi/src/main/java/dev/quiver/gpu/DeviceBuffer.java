package dev.quiver.gpu;

import java.lang.foreign.MemorySegment;

/**
 * Device memory from {@code cudaMalloc}, owned by this object and freed by {@link #close()}.
 *
 * <p>Copies are asynchronous on the given stream: the host memory must stay valid (and, to be
 * truly asynchronous, be a {@link PinnedBuffer}'s) until the stream is synchronised. Offsets and
 * lengths are in bytes and checked against the buffer. Not thread-safe: one owner uses and closes
 * it; using it after {@code close()} throws {@link IllegalStateException}.
 */
public final class DeviceBuffer implements AutoCloseable {
  private final CudaBinding cuda;
  private final long bytes;
  private MemorySegment pointer;

  private DeviceBuffer(CudaBinding cuda, MemorySegment pointer, long bytes) {
    this.cuda = cuda;
    this.pointer = pointer;
    this.bytes = bytes;
  }

  /**
   * Allocates {@code bytes} on the device (at least one byte is asked for, so that an empty
   * buffer still has a valid pointer).
   *
   * @throws IllegalArgumentException if {@code bytes} is negative
   * @throws IllegalStateException if {@code cuda} is unavailable
   * @throws CudaException if the device is out of memory (cudaErrorMemoryAllocation)
   */
  public static DeviceBuffer allocate(Cuda cuda, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0: " + bytes);
    }
    CudaBinding b = cuda.binding();
    return new DeviceBuffer(b, b.malloc(Math.max(bytes, 1)), bytes);
  }

  /** Allocates a buffer holding {@code values}, copied synchronously. */
  public static DeviceBuffer of(Cuda cuda, float[] values, CudaStream stream) {
    return of(cuda, MemorySegment.ofArray(values), stream);
  }

  /** Allocates a buffer holding {@code values}, copied synchronously. */
  public static DeviceBuffer of(Cuda cuda, int[] values, CudaStream stream) {
    return of(cuda, MemorySegment.ofArray(values), stream);
  }

  /** Allocates a buffer holding the bytes of {@code values}, copied synchronously. */
  public static DeviceBuffer of(Cuda cuda, MemorySegment values, CudaStream stream) {
    DeviceBuffer buffer = allocate(cuda, values.byteSize());
    try (PinnedBuffer staging = PinnedBuffer.allocate(cuda, buffer.bytes)) {
      MemorySegment.copy(values, 0, staging.segment(), 0, buffer.bytes);
      buffer.copyFromHost(staging.segment(), 0, buffer.bytes, stream);
      stream.synchronize();
    } catch (RuntimeException e) {
      buffer.close();
      throw e;
    }
    return buffer;
  }

  /** Size in bytes. */
  public long bytes() {
    return bytes;
  }

  /** The device address of byte {@code offset}, for kernel arguments. */
  public MemorySegment pointer(long offset) {
    checkRange(offset, 0);
    return offset == 0 ? pointer : MemorySegment.ofAddress(pointer.address() + offset);
  }

  /** Enqueues a copy of {@code length} bytes of {@code src} into this buffer at {@code offset}. */
  public void copyFromHost(MemorySegment src, long offset, long length, CudaStream stream) {
    checkRange(offset, length);
    if (length > src.byteSize()) {
      throw new IllegalArgumentException("length " + length + " exceeds the source's "
          + src.byteSize() + " bytes");
    }
    cuda.memcpyAsync(pointer(offset), src, length, CudaBinding.MEMCPY_HOST_TO_DEVICE,
        stream.handle());
  }

  /** Enqueues a copy of {@code length} bytes at {@code offset} of this buffer into {@code dst}. */
  public void copyToHost(long offset, MemorySegment dst, long length, CudaStream stream) {
    checkRange(offset, length);
    if (length > dst.byteSize()) {
      throw new IllegalArgumentException("length " + length + " exceeds the destination's "
          + dst.byteSize() + " bytes");
    }
    cuda.memcpyAsync(dst, pointer(offset), length, CudaBinding.MEMCPY_DEVICE_TO_HOST,
        stream.handle());
  }

  private void checkRange(long offset, long length) {
    if (pointer == null) {
      throw new IllegalStateException("device buffer is closed");
    }
    if (offset < 0 || length < 0 || offset > bytes - length) {
      throw new IllegalArgumentException("range [" + offset + ", +" + length
          + ") is outside the buffer's " + bytes + " bytes");
    }
  }

  /** Frees the device memory; later calls do nothing. */
  @Override
  public void close() {
    if (pointer != null) {
      MemorySegment p = pointer;
      pointer = null;
      cuda.free(p);
    }
  }
}
