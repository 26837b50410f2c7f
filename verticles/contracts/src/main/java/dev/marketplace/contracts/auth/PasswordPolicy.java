package dev.marketplace.contracts.auth;

import java.util.Locale;
import java.util.Set;

/**
 * What a password must be: 8 to 128 characters, characters of at least two kinds (lower case,
 * upper case, digits, other), not the email or its local part, not one of the most common
 * passwords. Returns the first rule broken as a message for the {@code password} field. In
 * contracts because it is part of reading a registration ({@link AuthRequests.Register}).
 */
public final class PasswordPolicy {
  public static final int MIN_LENGTH = 8;
  public static final int MAX_LENGTH = 128;
  // the top of every leaked-password list that passes the other rules
  private static final Set<String> COMMON = Set.of(
    "password1", "password123", "passw0rd", "qwerty123", "qwerty12", "1q2w3e4r", "1qaz2wsx", "abc12345",
    "abcd1234", "12345678a", "a12345678", "123456789a", "iloveyou1", "welcome1", "letmein1", "admin123",
    "1234qwer", "qwer1234", "zaq12wsx", "p@ssw0rd", "password!", "qwertyuiop1");

  private PasswordPolicy() {
  }

  /** @return why the password is refused, or {@code null} when it is acceptable */
  public static String check(String password, String normalisedEmail) {
    int length = password.codePointCount(0, password.length());
    if (length < MIN_LENGTH) {
      return "must be at least " + MIN_LENGTH + " characters";
    }
    if (length > MAX_LENGTH) {
      return "must be at most " + MAX_LENGTH + " characters";
    }
    boolean lower = false;
    boolean upper = false;
    boolean digit = false;
    boolean other = false;
    for (int i = 0; i < password.length(); ) {
      int c = password.codePointAt(i);
      if (Character.isISOControl(c)) {
        return "must not contain control characters";
      }
      if (Character.isLowerCase(c)) {
        lower = true;
      } else if (Character.isUpperCase(c)) {
        upper = true;
      } else if (Character.isDigit(c)) {
        digit = true;
      } else {
        other = true;
      }
      i += Character.charCount(c);
    }
    int kinds = (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0) + (other ? 1 : 0);
    if (kinds < 2) {
      return "must mix at least two kinds of characters (lower case, upper case, digits, symbols)";
    }
    String folded = password.toLowerCase(Locale.ROOT);
    if (normalisedEmail != null) {
      int at = normalisedEmail.indexOf('@');
      String local = at > 0 ? normalisedEmail.substring(0, at) : normalisedEmail;
      if (folded.equals(normalisedEmail) || folded.equals(local)) {
        return "must not be the email address";
      }
    }
    if (COMMON.contains(folded)) {
      return "is one of the most common passwords";
    }
    return null;
  }
}
