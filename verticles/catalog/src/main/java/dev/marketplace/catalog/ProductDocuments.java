package dev.marketplace.catalog;

import io.vertx.core.json.JsonObject;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.SortField;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A product as a Lucene document: what is searched (stemmed text fields, weighted at query time),
 * filtered (terms and points), sorted and counted (doc values), and the product's JSON as every
 * reply shows it (binary doc values), so search pages and product cards never go back to PostgreSQL.
 */
final class ProductDocuments {
  static final String ID = "id";
  /**
   * The id as two numbers (its high and low 64 bits, sign bit flipped, so that signed order is the
   * id's text order): the last sort keys of every search, far cheaper to compare and copy than the
   * text id's sorted doc values.
   */
  static final String ID_HI = "id_hi";
  static final String ID_LO = "id_lo";
  static final String TITLE = "title";
  static final String BRAND_TEXT = "brand_text";
  static final String DESCRIPTION = "description";
  static final String ATTRIBUTES = "attributes";
  /** Whole words of title and brand: the vocabulary of "did you mean" and suggestions. */
  static final String WORDS = "words";
  /** The exact brand (filter, facet). */
  static final String BRAND = "brand";
  /** {@code lower-case brand \u001f brand}: brand suggestions by (fuzzy) prefix. */
  static final String BRAND_KEY = "brand_key";
  static final char BRAND_KEY_SEPARATOR = '\u001f';
  /** The category and every category above it (a filter on a category includes its subcategories). */
  static final String CATEGORY = "category";
  static final String CATEGORY_ID = "category_id";
  static final String PRICE = "price";
  static final String POPULARITY = "popularity";
  /** Creation time in microseconds since the epoch. */
  static final String CREATED = "created";
  static final String IN_STOCK = "in_stock";
  /**
   * The product's JSON as every reply shows it, in binary doc values: a page of hits reads them
   * straight from the mapped index (stored fields would decompress a block per hit).
   */
  static final String SOURCE = "source";

  /** Query-time weights: a title match counts most, then brand, description, attributes. */
  static final Map<String, Float> TEXT_FIELDS = Map.of(TITLE, 4f, BRAND_TEXT, 3f, DESCRIPTION, 1.5f, ATTRIBUTES, 1f);

  private static final FieldType WORDS_TYPE = new FieldType();

  static {
    WORDS_TYPE.setIndexOptions(IndexOptions.DOCS);
    WORDS_TYPE.setTokenized(true);
    WORDS_TYPE.setOmitNorms(true);
    WORDS_TYPE.freeze();
  }

  private ProductDocuments() {
  }

  static Analyzer analyzer() {
    return new PerFieldAnalyzerWrapper(ProductAnalyzers.text(), Map.of(WORDS, ProductAnalyzers.words()));
  }

  static Term idTerm(String id) {
    return new Term(ID, id);
  }

  /** The document of a live product, from its JSON (as {@link ProductJson#from} makes it). */
  static Document of(JsonObject product, Categories categories) {
    Document doc = new Document();
    String id = product.getString("id");
    doc.add(new StringField(ID, id, Field.Store.NO));
    UUID uuid = UUID.fromString(id);
    doc.add(new NumericDocValuesField(ID_HI, uuid.getMostSignificantBits() ^ Long.MIN_VALUE));
    doc.add(new NumericDocValuesField(ID_LO, uuid.getLeastSignificantBits() ^ Long.MIN_VALUE));
    String title = product.getString("title");
    String brand = product.getString("brand");
    doc.add(new TextField(TITLE, title, Field.Store.NO));
    doc.add(new TextField(BRAND_TEXT, brand, Field.Store.NO));
    doc.add(new TextField(DESCRIPTION, product.getString("description", ""), Field.Store.NO));
    JsonObject attributes = product.getJsonObject("attributes", new JsonObject());
    if (!attributes.isEmpty()) {
      StringBuilder text = new StringBuilder();
      attributes.forEach(e -> text.append(e.getValue()).append(' '));
      doc.add(new TextField(ATTRIBUTES, text.toString(), Field.Store.NO));
    }
    doc.add(new Field(WORDS, title + " " + brand, WORDS_TYPE));
    doc.add(new StringField(BRAND, brand, Field.Store.NO));
    doc.add(new SortedDocValuesField(BRAND, new BytesRef(brand)));
    doc.add(new StringField(BRAND_KEY, ProductAnalyzers.normalizeWord(brand) + BRAND_KEY_SEPARATOR + brand, Field.Store.NO));
    int categoryId = product.getJsonObject("category").getInteger("id");
    for (int ancestor : categories.selfAndAncestors(categoryId)) {
      doc.add(new StringField(CATEGORY, Integer.toString(ancestor), Field.Store.NO));
    }
    doc.add(new NumericDocValuesField(CATEGORY_ID, categoryId));
    long price = product.getJsonObject("price").getLong("amount");
    doc.add(new LongPoint(PRICE, price));
    doc.add(new NumericDocValuesField(PRICE, price));
    // points next to the doc values of a sort key let a sorted search skip non-competitive blocks
    long popularity = product.getInteger("popularity", 0);
    doc.add(new LongPoint(POPULARITY, popularity));
    doc.add(new NumericDocValuesField(POPULARITY, popularity));
    long created = micros(product.getString("created_at"));
    doc.add(new LongPoint(CREATED, created));
    doc.add(new NumericDocValuesField(CREATED, created));
    if (product.getInteger("available", 0) > 0) {
      doc.add(new StringField(IN_STOCK, "1", Field.Store.NO));
    }
    doc.add(new BinaryDocValuesField(SOURCE, new BytesRef(product.encode().getBytes(StandardCharsets.UTF_8))));
    return doc;
  }

  /** The sort keys that end every sort: the id, ascending or descending. */
  static SortField[] idSort(boolean descending) {
    return new SortField[] {new SortField(ID_HI, SortField.Type.LONG, descending), new SortField(ID_LO, SortField.Type.LONG, descending)};
  }

  /** The id whose {@link #idSort} keys are {@code hi} and {@code lo}. */
  static String id(long hi, long lo) {
    return new UUID(hi ^ Long.MIN_VALUE, lo ^ Long.MIN_VALUE).toString();
  }

  /** The {@link #idSort} keys of {@code id}; IllegalArgumentException when it is not a UUID. */
  static long[] idKeys(String id) {
    UUID uuid = UUID.fromString(id);
    return new long[] {uuid.getMostSignificantBits() ^ Long.MIN_VALUE, uuid.getLeastSignificantBits() ^ Long.MIN_VALUE};
  }

  /** The JSON of each of {@code docs} (top-level doc ids of {@code reader}), in their order. */
  static byte[][] sources(IndexReader reader, int[] docs) throws IOException {
    byte[][] out = new byte[docs.length][];
    Integer[] order = new Integer[docs.length];
    for (int i = 0; i < docs.length; i++) {
      order[i] = i;
    }
    // doc values are read forward only: in doc id order, leaf by leaf
    Arrays.sort(order, Comparator.comparingInt(i -> docs[i]));
    List<LeafReaderContext> leaves = reader.leaves();
    LeafReaderContext leaf = null;
    BinaryDocValues values = null;
    for (int i : order) {
      int doc = docs[i];
      if (leaf == null || doc >= leaf.docBase + leaf.reader().maxDoc()) {
        leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        values = DocValues.getBinary(leaf.reader(), SOURCE);
      }
      if (!values.advanceExact(doc - leaf.docBase)) {
        throw new IllegalStateException("a product document without its source");
      }
      BytesRef bytes = values.binaryValue();
      out[i] = Arrays.copyOfRange(bytes.bytes, bytes.offset, bytes.offset + bytes.length);
    }
    return out;
  }

  static long micros(String isoInstant) {
    Instant at = Instant.parse(isoInstant);
    return ChronoUnit.MICROS.between(Instant.EPOCH, at);
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
