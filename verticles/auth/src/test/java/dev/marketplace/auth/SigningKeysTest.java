package dev.marketplace.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SigningKeysTest {

  @Test
  void aKeyDirKeepsOneKeyAcrossStartsReadableOnlyByItsOwner(@TempDir Path dir) throws Exception {
    SigningKey first = SigningKeys.fromDirectory(dir.resolve("keys"));
    SigningKey again = SigningKeys.fromDirectory(dir.resolve("keys"));
    assertThat(again.kid()).isEqualTo(first.kid());
    assertThat(Files.getPosixFilePermissions(dir.resolve("keys").resolve(SigningKeys.KEY_FILE)))
      .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  }

  @Test
  void aPemRoundTripKeepsTheKidAndThePublicKey() {
    SigningKey key = SigningKey.generate();
    SigningKey read = SigningKey.fromPem(key.privateKeyPem());
    assertThat(read.kid()).isEqualTo(key.kid());
    assertThat(read.publicJwk()).isEqualTo(key.publicJwk());
  }

  @Test
  void aPemThatIsNotAP256PrivateKeyIsRefused() {
    assertThatThrownBy(() -> SigningKey.fromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"))
      .isInstanceOf(IllegalArgumentException.class);
  }
}
