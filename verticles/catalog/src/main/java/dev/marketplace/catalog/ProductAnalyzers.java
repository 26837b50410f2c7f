package dev.marketplace.catalog;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.tartarus.snowball.SnowballProgram;
import org.tartarus.snowball.ext.EnglishStemmer;
import org.tartarus.snowball.ext.RussianStemmer;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How product text becomes terms. Titles mix Russian and English ("Смартфон Samsung Galaxy"), so
 * one analyzer serves both: Unicode word tokens, lower case, ё folded to е, Russian and English
 * stop words dropped, then each token stemmed by the Snowball stemmer of its own script
 * (Cyrillic: Russian, otherwise English). The same analyzer reads queries, so "чайники" meets
 * "чайник" and "laptops" meets "laptop". {@link #words()} keeps whole words (no stemming, no stop
 * words): the vocabulary behind "did you mean" and query suggestions.
 */
final class ProductAnalyzers {
  private static final CharArraySet STOP_WORDS;

  static {
    CharArraySet stop = new CharArraySet(RussianAnalyzer.getDefaultStopSet(), false);
    stop.addAll(EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
    STOP_WORDS = CharArraySet.unmodifiableSet(stop);
  }

  private ProductAnalyzers() {
  }

  /** Stemmed terms of title, brand, description and attributes (index and query alike). */
  static Analyzer text() {
    return new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer source = new StandardTokenizer();
        TokenStream stream = new YoFoldingFilter(new LowerCaseFilter(source));
        stream = new StopFilter(stream, STOP_WORDS);
        return new TokenStreamComponents(source, new ScriptStemFilter(stream));
      }

      @Override
      protected TokenStream normalize(String fieldName, TokenStream in) {
        return new YoFoldingFilter(new LowerCaseFilter(in));
      }
    };
  }

  /** Whole lower-case words with ё folded: the index's vocabulary. */
  static Analyzer words() {
    return new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer source = new StandardTokenizer();
        return new TokenStreamComponents(source, new YoFoldingFilter(new LowerCaseFilter(source)));
      }

      @Override
      protected TokenStream normalize(String fieldName, TokenStream in) {
        return new YoFoldingFilter(new LowerCaseFilter(in));
      }
    };
  }

  /** The terms {@code analyzer} makes of {@code text}, in order. */
  static List<String> terms(Analyzer analyzer, String field, String text) {
    List<String> terms = new ArrayList<>();
    try (TokenStream stream = analyzer.tokenStream(field, new StringReader(text))) {
      CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
      stream.reset();
      while (stream.incrementToken()) {
        terms.add(term.toString());
      }
      stream.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return terms;
  }

  /** Lower case, ё folded to е: how a word is written in the vocabulary. */
  static String normalizeWord(String word) {
    return word.toLowerCase(java.util.Locale.ROOT).replace('ё', 'е');
  }

  /** ё → е: Russian text writes either, and searchers rarely type ё. */
  static final class YoFoldingFilter extends TokenFilter {
    private final CharTermAttribute term = addAttribute(CharTermAttribute.class);

    YoFoldingFilter(TokenStream in) {
      super(in);
    }

    @Override
    public boolean incrementToken() throws IOException {
      if (!input.incrementToken()) {
        return false;
      }
      char[] buffer = term.buffer();
      for (int i = 0; i < term.length(); i++) {
        if (buffer[i] == 'ё') {
          buffer[i] = 'е';
        } else if (buffer[i] == 'Ё') {
          buffer[i] = 'Е';
        }
      }
      return true;
    }
  }

  /** Stems a Cyrillic token with the Russian Snowball stemmer and any other with the English one. */
  static final class ScriptStemFilter extends TokenFilter {
    private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
    private final RussianStemmer russian = new RussianStemmer();
    private final EnglishStemmer english = new EnglishStemmer();

    ScriptStemFilter(TokenStream in) {
      super(in);
    }

    @Override
    public boolean incrementToken() throws IOException {
      if (!input.incrementToken()) {
        return false;
      }
      char[] buffer = term.buffer();
      int length = term.length();
      boolean cyrillic = false;
      boolean letters = false;
      for (int i = 0; i < length; i++) {
        char c = buffer[i];
        if (Character.isLetter(c)) {
          letters = true;
          if (Character.UnicodeBlock.of(c) == Character.UnicodeBlock.CYRILLIC) {
            cyrillic = true;
            break;
          }
        }
      }
      if (!letters) {
        return true; // numbers and model codes stay as they are
      }
      SnowballProgram stemmer;
      if (cyrillic) {
        russian.setCurrent(buffer, length);
        russian.stem();
        stemmer = russian;
      } else {
        english.setCurrent(buffer, length);
        english.stem();
        stemmer = english;
      }
      term.copyBuffer(stemmer.getCurrentBuffer(), 0, stemmer.getCurrentBufferLength());
      return true;
    }
  }
}
