package dev.quiver.gpu;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * Gathers requests that arrive one at a time on many threads into batches for one batch function
 * (a GPU pays off only on batches), and hands each caller its own result.
 *
 * <p>A caller of {@link #call} fills a preallocated request slot (its request and the object its
 * result goes into), puts it on a lock-free many-to-one queue and waits. One worker thread takes
 * the first waiting request and keeps gathering until the batch holds {@code maxBatch} requests,
 * or {@code maxWait} has passed since that first request arrived, or no other caller is between
 * taking a slot and queueing it (a closed set of callers cannot grow the batch further, so waiting
 * longer would only add latency). It then runs the batch function once and wakes the callers
 * (the first one; each woken caller wakes two more).
 *
 * <p>At low load the hand-off would cost two thread wake-ups and gain nothing: when the worker
 * is parked (idle), nothing is queued and the batch function is free, a caller runs its request
 * as a batch of one on its own thread. The batch function therefore runs on one thread at a time,
 * though not always the same one (each run happens-before the next), and may see a caller's
 * interrupt status.
 *
 * <p>When the batch function throws, each of its callers runs the per-request fallback (the CPU
 * path) on its own thread, and {@link #fallbackCount()} counts it: a request is never dropped.
 * When all {@code maxPending} slots are taken, callers wait for one to free up (back-pressure).
 *
 * <p>Nothing is allocated per request. {@link #call} is thread-safe and blocks uninterruptibly
 * until its result is written (an interrupt is kept for the caller). {@link #close()} serves every
 * request already submitted, then stops the worker; later calls throw
 * {@link IllegalStateException}.
 *
 * @param <I> request type
 * @param <O> result type: a mutable holder the caller owns and the batch function fills
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {
  /** The requests of one batch and the results to fill; valid only during {@link BatchFunction#apply}. */
  public interface Batch<I, O> {
    /** Number of requests, 1 to maxBatch. */
    int size();

    /** Request {@code i}. */
    I request(int i);

    /** Where request {@code i}'s result goes. */
    O result(int i);
  }

  /** Computes every result of a batch; throwing sends each of its requests to the fallback. */
  @FunctionalInterface
  public interface BatchFunction<I, O> {
    void apply(Batch<I, O> batch);
  }

  /** Computes one request's result (the CPU path). */
  @FunctionalInterface
  public interface Fallback<I, O> {
    void apply(I request, O result);
  }

  /**
   * @param maxBatch most requests in one batch
   * @param maxWaitNanos longest a batch waits for more requests after its first arrived
   * @param maxPending request slots: callers beyond this wait for a free one
   */
  public record Options(int maxBatch, long maxWaitNanos, int maxPending) {
    /** @throws IllegalArgumentException naming the bad value */
    public Options {
      if (maxBatch <= 0) {
        throw new IllegalArgumentException("maxBatch must be positive: " + maxBatch);
      }
      if (maxWaitNanos < 0) {
        throw new IllegalArgumentException("maxWaitNanos must be >= 0: " + maxWaitNanos);
      }
      if (maxPending < maxBatch) {
        throw new IllegalArgumentException("maxPending " + maxPending + " must be >= maxBatch "
            + maxBatch);
      }
    }

    /** Up to 256 requests or 200 µs, 1,024 slots. */
    public static Options defaults() {
      return new Options(256, 200_000, 1024);
    }
  }

  private static final int PENDING = 0;
  private static final int DONE = 1;
  private static final int FAILED = 2;
  private static final int SPINS = 200;
  private static final long CLOSING_PARK_NANOS = 100_000;

  private final Options options;
  private final BatchFunction<I, O> function;
  private final Fallback<I, O> fallback;
  private final ManyToManyConcurrentArrayQueue<Slot<I, O>> free;
  private final ManyToOneConcurrentArrayQueue<Slot<I, O>> pending;
  private final SlotBatch<I, O> batch;
  private final Thread worker;
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong fallbacks = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong failedBatches = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(); // held while the batch function runs
  private volatile boolean closed;
  private volatile boolean workerParked;
  private long taken;

  /**
   * Starts the worker thread (a daemon named {@code quiver-batcher-NAME}).
   *
   * @param name names the worker thread
   * @param options sizes and time budget
   * @param function runs a batch (on the worker thread)
   * @param fallback computes one request when its batch failed (on the caller's thread)
   */
  public DynamicBatcher(String name, Options options, BatchFunction<I, O> function,
      Fallback<I, O> fallback) {
    this.options = Objects.requireNonNull(options, "options");
    this.function = Objects.requireNonNull(function, "function");
    this.fallback = Objects.requireNonNull(fallback, "fallback");
    free = new ManyToManyConcurrentArrayQueue<>(options.maxPending());
    pending = new ManyToOneConcurrentArrayQueue<>(options.maxPending());
    for (int i = 0; i < options.maxPending(); i++) {
      free.offer(new Slot<>());
    }
    batch = new SlotBatch<>(options.maxBatch());
    worker = Thread.ofPlatform().name("quiver-batcher-" + name).daemon().unstarted(this::work);
    worker.start();
  }

  /**
   * Submits {@code request}, waits for its batch, and returns once {@code result} is filled, by
   * the batch function or, if that failed, by the fallback.
   *
   * @throws IllegalStateException if the batcher is closed
   * @throws RuntimeException whatever the fallback threw, the batch's failure suppressed in it
   */
  public void call(I request, O result) {
    active.incrementAndGet();
    try {
      if (closed) {
        throw new IllegalStateException("batcher is closed");
      }
      Slot<I, O> slot = acquire();
      slot.request = request;
      slot.result = result;
      if (workerParked && pending.isEmpty() && running.compareAndSet(false, true)) {
        runAlone(slot);
        return;
      }
      slot.waiter = Thread.currentThread();
      slot.state = PENDING;
      slot.enqueuedNanos = System.nanoTime();
      queued.incrementAndGet();
      pending.offer(slot); // never full: it holds as many as there are slots
      if (workerParked) {
        LockSupport.unpark(worker);
      }
      await(slot);
      wakeChildren(slot);
      int state = slot.state;
      Throwable error = slot.error;
      release(slot);
      if (state == FAILED) {
        runFallback(request, result, error);
      }
    } finally {
      active.decrementAndGet();
    }
  }

  /** Runs one request as its own batch on the caller's thread, holding {@link #running}. */
  private void runAlone(Slot<I, O> slot) {
    I request = slot.request;
    O result = slot.result;
    Throwable error = null;
    try {
      function.apply(slot);
    } catch (Throwable t) {
      error = t;
      failedBatches.incrementAndGet();
    } finally {
      running.set(false);
      batches.incrementAndGet();
      requests.incrementAndGet();
      release(slot);
    }
    if (error != null) {
      runFallback(request, result, error);
    }
  }

  private void runFallback(I request, O result, Throwable batchError) {
    fallbacks.incrementAndGet();
    try {
      fallback.apply(request, result);
    } catch (RuntimeException e) {
      e.addSuppressed(batchError);
      throw e;
    }
  }

  private Slot<I, O> acquire() {
    Slot<I, O> slot;
    int spins = 0;
    while ((slot = free.poll()) == null) {
      if (++spins < SPINS) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
    return slot;
  }

  private static void wakeChildren(Slot<?, ?> slot) {
    if (slot.wakeLeft != null) {
      LockSupport.unpark(slot.wakeLeft);
    }
    if (slot.wakeRight != null) {
      LockSupport.unpark(slot.wakeRight);
    }
  }

  private void release(Slot<I, O> slot) {
    slot.request = null;
    slot.result = null;
    slot.waiter = null;
    slot.wakeLeft = null;
    slot.wakeRight = null;
    slot.error = null;
    free.offer(slot);
  }

  private static void await(Slot<?, ?> slot) {
    for (int i = 0; i < SPINS && slot.state == PENDING; i++) {
      Thread.onSpinWait();
    }
    boolean interrupted = false;
    while (slot.state == PENDING) {
      LockSupport.park(slot);
      interrupted |= Thread.interrupted();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void work() {
    while (true) {
      if (!pending.isEmpty()) {
        runQueued();
      } else if (closed && active.get() == 0) {
        return;
      } else {
        idle();
      }
    }
  }

  /** Waits for the batch function to be free (a caller may hold it), then gathers and runs. */
  private void runQueued() {
    for (int spins = 0; !running.compareAndSet(false, true); spins++) {
      if (spins < SPINS) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
    try {
      Slot<I, O> first = pending.poll();
      if (first != null) {
        gather(first);
        execute();
      }
    } finally {
      running.set(false);
    }
  }

  private void gather(Slot<I, O> first) {
    batch.add(first);
    taken++;
    long deadline = first.enqueuedNanos + options.maxWaitNanos();
    while (batch.size < options.maxBatch()) {
      Slot<I, O> next = pending.poll();
      if (next != null) {
        batch.add(next);
        taken++;
      } else if (queued.get() == taken || closed || System.nanoTime() - deadline >= 0) {
        return;
      } else {
        Thread.onSpinWait();
      }
    }
  }

  private void execute() {
    int n = batch.size;
    int outcome = DONE;
    Throwable error = null;
    try {
      function.apply(batch);
    } catch (Throwable t) {
      outcome = FAILED;
      error = t;
      failedBatches.incrementAndGet();
    }
    batches.incrementAndGet(); // counted before any caller returns, so a caller sees its own batch
    requests.addAndGet(n);
    // Callers wake one another down a binary tree (caller i wakes 2i+1 and 2i+2), so the worker
    // pays one unpark per batch, not one per request, and the last caller of a full batch wakes
    // after log2(maxBatch) hand-offs. Waiters are read first: once a slot is published its caller
    // may return and reuse it. Children are published before their parents, so a parent that
    // sees its result early never wakes a child whose result is not there yet.
    Thread[] waiters = batch.waiters;
    for (int i = 0; i < n; i++) {
      waiters[i] = batch.slots[i].waiter;
    }
    for (int i = n - 1; i >= 0; i--) {
      Slot<I, O> slot = batch.slots[i];
      slot.wakeLeft = 2 * i + 1 < n ? waiters[2 * i + 1] : null;
      slot.wakeRight = 2 * i + 2 < n ? waiters[2 * i + 2] : null;
      slot.error = error;
      slot.state = outcome;
    }
    LockSupport.unpark(waiters[0]);
    batch.clear();
  }

  private void idle() {
    for (int i = 0; i < SPINS; i++) {
      if (!pending.isEmpty()) {
        return;
      }
      Thread.onSpinWait();
    }
    workerParked = true;
    if (pending.isEmpty()) {
      if (closed) {
        LockSupport.parkNanos(this, CLOSING_PARK_NANOS); // until the last caller leaves
      } else {
        LockSupport.park(this);
      }
    }
    workerParked = false;
  }

  /** The options this batcher runs with. */
  public Options options() {
    return options;
  }

  /** Requests queued and not yet taken into a batch. */
  public int waiting() {
    return pending.size();
  }

  /** Batches run so far, failed ones included. */
  public long batchCount() {
    return batches.get();
  }

  /** Requests run through the batch function so far, failed batches included. */
  public long requestCount() {
    return requests.get();
  }

  /** Batches whose function threw. */
  public long failedBatchCount() {
    return failedBatches.get();
  }

  /** Requests answered by the fallback because their batch failed. */
  public long fallbackCount() {
    return fallbacks.get();
  }

  /** Serves what was submitted, stops the worker and waits for it; idempotent. */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(worker);
    boolean interrupted = false;
    while (worker.isAlive()) {
      try {
        worker.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** A request's slot; also the one-request batch of {@link #runAlone}. */
  private static final class Slot<I, O> implements Batch<I, O> {
    I request;
    O result;
    Thread waiter;
    Thread wakeLeft;
    Thread wakeRight;
    Throwable error;
    long enqueuedNanos;
    volatile int state;

    @Override
    public int size() {
      return 1;
    }

    @Override
    public I request(int i) {
      Objects.checkIndex(i, 1);
      return request;
    }

    @Override
    public O result(int i) {
      Objects.checkIndex(i, 1);
      return result;
    }
  }

  private static final class SlotBatch<I, O> implements Batch<I, O> {
    final Slot<I, O>[] slots;
    final Thread[] waiters;
    int size;

    @SuppressWarnings("unchecked")
    SlotBatch(int capacity) {
      slots = (Slot<I, O>[]) new Slot<?, ?>[capacity];
      waiters = new Thread[capacity];
    }

    void add(Slot<I, O> slot) {
      slots[size++] = slot;
    }

    void clear() {
      java.util.Arrays.fill(slots, 0, size, null);
      java.util.Arrays.fill(waiters, 0, size, null);
      size = 0;
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public I request(int i) {
      return slots[checkIndex(i)].request;
    }

    @Override
    public O result(int i) {
      return slots[checkIndex(i)].result;
    }

    private int checkIndex(int i) {
      return Objects.checkIndex(i, size);
    }
  }
}
