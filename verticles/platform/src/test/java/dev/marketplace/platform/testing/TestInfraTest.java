package dev.marketplace.platform.testing;

import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class TestInfraTest {

  @Test
  void sharedIsOneInstancePerJvm() {
    assertThat(TestInfra.shared()).isSameAs(TestInfra.shared());
    assertThat(TestInfra.shared().pgUrl()).matches("postgresql://postgres@127\\.0\\.0\\.1:\\d+/postgres");
    assertThat(TestInfra.shared().bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
  }

  @Test
  void freshDatabasesAreDistinctAndUsable() throws Exception {
    String first = TestInfra.shared().freshDatabase();
    String second = TestInfra.shared().freshDatabase();
    assertThat(first).isNotEqualTo(second).matches("postgresql://postgres@127\\.0\\.0\\.1:\\d+/t_[0-9a-f]{32}");
    assertThat(currentDatabase(first)).isEqualTo(first.substring(first.lastIndexOf('/') + 1));
  }

  @Test
  void configIsTheDefaultsPointedAtTheSharedServersAndNewEachCall() throws Exception {
    JsonObject config = TestInfra.shared().config();
    JsonObject other = TestInfra.shared().config();
    assertThat(config).isNotSameAs(other);
    assertThat(config.getJsonObject("pg").getString("url")).isNotEqualTo(other.getJsonObject("pg").getString("url"));
    assertThat(config.getJsonObject("kafka").getString("bootstrap_servers")).isEqualTo(TestInfra.shared().bootstrapServers());
    // the rest of the defaults is kept
    assertThat(config.getJsonObject("pg").getInteger("pool_size")).isNotNull();
    assertThat(config.getJsonObject("outbox")).isNotNull();

    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        config.getJsonObject("kafka").getString("bootstrap_servers")))) {
      assertThat(admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)).hasSize(1);
    }
  }

  private static String currentDatabase(String url) throws Exception {
    String jdbcUrl = "jdbc:" + url.replace("postgres@", "");
    try (Connection connection = DriverManager.getConnection(jdbcUrl, "postgres", "");
         Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT current_database()")) {
      rows.next();
      return rows.getString(1);
    }
  }
}
