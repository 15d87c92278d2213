package dev.quiver.gpu;

/**
 * A CUDA device as {@link Cuda#device()} saw it.
 *
 * @param ordinal the device's index
 * @param name its name, e.g. "NVIDIA H100 80GB HBM3"
 * @param major compute capability, major part (9 for Hopper)
 * @param minor compute capability, minor part
 * @param freeBytes free device memory when queried
 * @param totalBytes total device memory
 */
public record DeviceInfo(int ordinal, String name, int major, int minor, long freeBytes,
    long totalBytes) {}
