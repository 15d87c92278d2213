package dev.quiver.gpu;

import java.lang.foreign.MemorySegment;

/**
 * A non-blocking CUDA stream (it does not synchronise with the legacy default stream). Work
 * enqueued on one stream runs in order; {@link #synchronize()} waits for it and reports any
 * asynchronous error it raised. Not thread-safe: one owner enqueues on it and closes it.
 */
public final class CudaStream implements AutoCloseable {
  private final CudaBinding cuda;
  private MemorySegment handle;

  private CudaStream(CudaBinding cuda, MemorySegment handle) {
    this.cuda = cuda;
    this.handle = handle;
  }

  /** Creates a stream on the device. */
  public static CudaStream create(Cuda cuda) {
    CudaBinding b = cuda.binding();
    return new CudaStream(b, b.streamCreate());
  }

  /** Waits until everything enqueued so far has run; throws its first error. */
  public void synchronize() {
    cuda.streamSynchronize(handle());
  }

  MemorySegment handle() {
    if (handle == null) {
      throw new IllegalStateException("stream is closed");
    }
    return handle;
  }

  /** Destroys the stream (work already enqueued still completes); later calls do nothing. */
  @Override
  public void close() {
    if (handle != null) {
      MemorySegment h = handle;
      handle = null;
      cuda.streamDestroy(h);
    }
  }
}
