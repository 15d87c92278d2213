package dev.quiver.serving.recall;

import dev.quiver.tower.Feature;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureType;
import dev.quiver.tower.Tower;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * A feature row as bytes that name every feature, so that a row written under one model reads
 * back into the item tower of another: a feature that tower lacks, or has with another type, is
 * left missing, as {@link FeatureRow#copyTo} does.
 */
final class RowCodec {
  private RowCodec() {}

  static void write(FeatureRow row, DataOutput out) throws IOException {
    List<Feature> features = row.tower().features();
    int present = 0;
    for (int f = 0; f < features.size(); f++) {
      present += row.valueCount(f) > 0 ? 1 : 0;
    }
    out.writeShort(present);
    for (int f = 0; f < features.size(); f++) {
      int n = row.valueCount(f);
      if (n == 0) {
        continue;
      }
      out.writeUTF(features.get(f).name());
      out.writeByte(features.get(f).type().ordinal());
      out.writeInt(n);
      for (int k = 0; k < n; k++) {
        writeValue(row, f, k, features.get(f).type(), out);
      }
    }
  }

  private static void writeValue(FeatureRow row, int f, int k, FeatureType type, DataOutput out) throws IOException {
    switch (type) {
      case NUMERIC -> out.writeDouble(row.number(f));
      case CATEGORICAL -> out.writeUTF(row.category(f));
      case ID -> {
        out.writeBoolean(row.isString(f, k));
        if (row.isString(f, k)) {
          out.writeUTF(row.stringAt(f, k));
        } else {
          out.writeLong(row.longAt(f, k));
        }
      }
    }
  }

  /** Reads a row written by {@link #write} into a new row of {@code tower}. */
  static FeatureRow read(DataInput in, Tower tower) throws IOException {
    FeatureRow row = tower.newRow();
    int present = in.readUnsignedShort();
    for (int i = 0; i < present; i++) {
      String name = in.readUTF();
      int typeOrdinal = in.readUnsignedByte();
      if (typeOrdinal >= FeatureType.values().length) {
        throw new IOException("feature '" + name + "' has type " + typeOrdinal);
      }
      FeatureType type = FeatureType.values()[typeOrdinal];
      int n = in.readInt();
      int f = tower.findFeature(name);
      boolean keep = f >= 0 && tower.features().get(f).type() == type;
      for (int k = 0; k < n; k++) {
        readValue(in, row, keep ? f : -1, type, k == 0 || (keep && tower.features().get(f).multiValued()));
      }
    }
    return row;
  }

  private static void readValue(DataInput in, FeatureRow row, int f, FeatureType type, boolean fits) throws IOException {
    boolean set = f >= 0 && fits;
    switch (type) {
      case NUMERIC -> {
        double v = in.readDouble();
        if (set) {
          row.setNumeric(f, v);
        }
      }
      case CATEGORICAL -> {
        String v = in.readUTF();
        if (set) {
          row.setCategorical(f, v);
        }
      }
      case ID -> {
        if (in.readBoolean()) {
          String v = in.readUTF();
          if (set) {
            row.addId(f, v);
          }
        } else {
          long v = in.readLong();
          if (set) {
            row.addId(f, v);
          }
        }
      }
    }
  }
}
