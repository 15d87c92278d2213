package dev.quiver.bench.peers;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.ConstantScoreScorer;
import org.apache.lucene.search.ConstantScoreWeight;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.BitSetIterator;
import org.apache.lucene.util.FixedBitSet;

/**
 * The documents of a one-segment index whose bits are set, as a Lucene filter query. A kNN query
 * given it takes the bit set as its accepted documents as it is, without a copy (the iterator is
 * a {@link BitSetIterator} and the segment has no deletions), so a filtered search costs what
 * Lucene's filtered graph walk costs, not the building of a filter.
 */
final class AllowedDocsQuery extends Query {
  private final FixedBitSet allowed;
  private final int cardinality;

  AllowedDocsQuery(FixedBitSet allowed) {
    this.allowed = allowed;
    this.cardinality = allowed.cardinality();
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
    return new ConstantScoreWeight(this, boost) {
      @Override
      public ScorerSupplier scorerSupplier(LeafReaderContext context) {
        if (context.ord != 0) {
          throw new IllegalStateException("allowed documents are given for a one-segment index");
        }
        return new DefaultScorerSupplier(
            new ConstantScoreScorer(score(), scoreMode, new BitSetIterator(allowed, cardinality)));
      }

      @Override
      public boolean isCacheable(LeafReaderContext context) {
        return false;
      }
    };
  }

  @Override
  public String toString(String field) {
    return "AllowedDocsQuery(" + cardinality + " docs)";
  }

  @Override
  public void visit(QueryVisitor visitor) {
    visitor.visitLeaf(this);
  }

  @Override
  public boolean equals(Object other) {
    return this == other;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }
}
