package dev.quiver.tools.tune;

import dev.quiver.engine.Params;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One index configuration the tuner builds: a kind, its fixed build parameters, and the search
 * knob it walks ({@code nprobe} or {@code efSearch}) with any fixed search parameters beside it.
 * IVF's {@code nlist} is given per square root of the base size, so that the same candidate keeps
 * its meaning on the subsample and on the full base.
 *
 * @param nlistPerRootN nlist = this times sqrt(n); 0 for kinds without lists
 * @param learns whether the build gets the tuning queries as {@code learn=PATH} (query-aware links)
 */
public record Candidate(String kind, Params fixedBuild, double nlistPerRootN, boolean learns, String knob,
                        Params fixedSearch) {
  /** The HNSW builds use efConstruction 100: half the default's build time, and efSearch makes up the rest. */
  static final String HNSW_EF_CONSTRUCTION = "100";
  // 4 sqrt(n) is the kinds' default; k-means costs grow with nlist squared (64 nlist training rows), so no more.
  private static final double[] NLIST_PER_ROOT_N = {1, 2, 4};

  /**
   * 4-bit fast scan keeps its sub-quantizer tables in registers up to this many per item (the
   * fast-scan kernel's limit).
   */
  private static final int MAX_FAST_SCAN_M = 128;

  /**
   * Every candidate of {@code kinds} (ivf-flat, ivf-sq8, ivf-pq, hnsw) over vectors of
   * {@code dim} components, for searches at {@code k}.
   */
  public static List<Candidate> of(List<String> kinds, int dim, int k) {
    List<Candidate> all = new ArrayList<>();
    for (String kind : kinds) {
      switch (kind) {
        case "ivf-flat" -> ivf(all, kind, Params.DEFAULT, Params.DEFAULT);
        case "ivf-sq8" -> {
          ivf(all, kind, Params.DEFAULT, Params.DEFAULT);
          // The float rows kept beside the codes rescore the best 4k candidates exactly.
          ivf(all, kind, Params.parse("refine=1"), Params.parse("rerank=" + 4 * k));
        }
        case "ivf-pq" -> ivfPq(all, dim);
        case "hnsw" -> hnsw(all);
        default -> throw new IllegalArgumentException("the tuner knows kinds ivf-flat, ivf-sq8, ivf-pq and hnsw, not '"
            + kind + "'");
      }
    }
    return all;
  }

  private static void ivf(List<Candidate> all, String kind, Params build, Params search) {
    for (double c : NLIST_PER_ROOT_N) {
      all.add(new Candidate(kind, build, c, false, "nprobe", search));
    }
  }

  /**
   * 4-bit fast-scan codes of one component per sub-quantizer, with the float rows kept: the
   * kind's default rescoring of 10k candidates then gives nearly ivf-flat's recall at the same
   * nprobe (0.971 against 0.975 at nprobe 64 on 1M x 64) while the scan reads an eighth of its
   * bytes. Two components per sub-quantizer rank too poorly for that depth (0.847 there), so the
   * kind is tried only where the fast-scan kernel takes one sub-quantizer per component.
   */
  private static void ivfPq(List<Candidate> all, int dim) {
    if (dim <= MAX_FAST_SCAN_M) {
      ivf(all, "ivf-pq", Params.parse("m=" + dim + ",nbits=4,refine=1"), Params.DEFAULT);
    }
  }

  private static void hnsw(List<Candidate> all) {
    // The default build too (efConstruction 200, the default walk): at 1M x 64 the full sweep's
    // default graph ran 8,343 queries/s at 0.95 against the efConstruction-100 pick's 5,594
    // (docs/BENCHMARKS.md, "Tuner").
    // Named in full, so that choice.txt's --build is never empty.
    all.add(new Candidate("hnsw", Params.parse("M=16,efConstruction=200"), 0, false, "efSearch", Params.DEFAULT));
    for (String m : List.of("16", "32")) {
      for (String traverse : List.of("f32", "sq8")) {
        Params build = Params.parse("M=" + m + ",efConstruction=" + HNSW_EF_CONSTRUCTION + ",traverse=" + traverse);
        all.add(new Candidate("hnsw", build, 0, false, "efSearch", Params.DEFAULT));
        if (m.equals("16")) {
          all.add(new Candidate("hnsw", build, 0, true, "efSearch", Params.DEFAULT));
        }
      }
    }
  }

  /** The build parameters over a base of {@code n} rows; {@code learn} is the query sample's file. */
  public Params build(int n, Path learn) {
    Params p = fixedBuild;
    if (nlistPerRootN > 0) {
      p = p.with("nlist", Integer.toString(nlist(n)));
    }
    return learns ? p.with("learn", learn.toAbsolutePath().toString()) : p;
  }

  /** The search parameters with the knob at {@code value}. */
  public Params search(int value) {
    return fixedSearch.with(knob, Integer.toString(value));
  }

  /** The smallest knob value worth measuring (a beam narrower than k is k). */
  int minKnob(int k) {
    return knob.equals("efSearch") ? k : 1;
  }

  /** The largest: every list, or a beam of 64k (at least 4096). */
  int maxKnob(int n, int k) {
    return knob.equals("nprobe") ? nlist(n) : Math.min(n, Math.max(4096, 64 * k));
  }

  /** Where the knob's ladder starts. */
  int startKnob(int n, int k) {
    return knob.equals("nprobe") ? Math.min(8, nlist(n)) : Math.max(k, 32);
  }

  private int nlist(int n) {
    return (int) Math.max(1, Math.min(n, Math.round(nlistPerRootN * Math.sqrt(n))));
  }

  /** For the log: the kind and what sets it apart, nlist as a multiple of sqrt(n). */
  public String label() {
    StringBuilder s = new StringBuilder(kind);
    if (nlistPerRootN > 0) {
      s.append(" nlist=").append((int) nlistPerRootN).append("*sqrt(n)");
    }
    String fixed = fixedBuild.toString();
    s.append(fixed.isEmpty() ? "" : " " + fixed).append(learns ? " learn" : "");
    String search = fixedSearch.toString();
    return s.append(search.isEmpty() ? "" : " (" + search + ")").toString();
  }
}
