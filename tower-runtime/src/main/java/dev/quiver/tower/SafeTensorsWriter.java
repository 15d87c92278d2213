package dev.quiver.tower;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes float32 tensors in the safetensors format {@link SafeTensors} reads: for models made in
 * Java (generated models, converted weights) rather than exported from PyTorch. Tensors are
 * written in the order they were added; the header is padded with spaces to a multiple of 8
 * bytes so that the data is aligned, as the reference implementation does. Not thread-safe.
 */
public final class SafeTensorsWriter {
  private record Tensor(String name, long[] shape, float[] data) {}

  private final List<Tensor> tensors = new ArrayList<>();

  /** Adds tensor {@code name} of {@code shape}, row-major {@code data} (not copied). */
  public SafeTensorsWriter add(String name, float[] data, long... shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension " + d);
      }
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException("tensor '" + name + "' of shape " + java.util.Arrays.toString(shape)
          + " needs " + n + " floats, got " + data.length);
    }
    for (Tensor t : tensors) {
      if (t.name.equals(name)) {
        throw new IllegalArgumentException("tensor '" + name + "' added twice");
      }
    }
    tensors.add(new Tensor(name, shape.clone(), data));
    return this;
  }

  /** Writes the file (replacing one that exists). */
  public void write(Path file) throws IOException {
    byte[] header = header();
    try (OutputStream out = Files.newOutputStream(file)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
      out.write(len.array());
      out.write(header);
      for (Tensor t : tensors) {
        ByteBuffer b = ByteBuffer.allocate(t.data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(t.data);
        out.write(b.array());
      }
    }
  }

  private byte[] header() throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    long offset = 0;
    for (Tensor t : tensors) {
      ObjectNode e = root.putObject(t.name);
      e.put("dtype", "F32");
      var shape = e.putArray("shape");
      for (long d : t.shape) {
        shape.add(d);
      }
      long end = offset + (long) t.data.length * Float.BYTES;
      e.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    StringBuilder text = new StringBuilder(json.writeValueAsString(root));
    while (text.length() % 8 != 0) {
      text.append(' ');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }
}
