package dev.marketplace.auth;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordHasherTest {
  private final PasswordHasher hasher = new PasswordHasher(19456, 2, 1);

  @Test
  void hashesAreArgon2idPhcStringsWithAFreshSaltEachTime() {
    String a = hasher.hash("Correct-Horse-9");
    String b = hasher.hash("Correct-Horse-9");
    assertThat(a).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void verifyAcceptsOnlyTheSamePassword() {
    String hash = hasher.hash("Correct-Horse-9");
    assertThat(hasher.verify("Correct-Horse-9", hash)).isTrue();
    assertThat(hasher.verify("correct-horse-9", hash)).isFalse();
    assertThat(hasher.verify("Correct-Horse-9", "$2a$10$notargon")).isFalse();
  }

  @Test
  void aHashMadeWithOtherParametersStillVerifies() {
    String old = new PasswordHasher(8192, 1, 1).hash("Correct-Horse-9");
    assertThat(hasher.verify("Correct-Horse-9", old)).isTrue();
  }
}
