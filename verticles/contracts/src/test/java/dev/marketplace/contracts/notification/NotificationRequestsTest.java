package dev.marketplace.contracts.notification;



import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static dev.marketplace.contracts.bus.Refusals.errors;
import static org.assertj.core.api.Assertions.assertThat;

/** Notification's request codecs: the documented JSON both ways, every malformed body refused field by field. */
class NotificationRequestsTest {

  @Test
  void aPageRequestRoundTripsAndItsCursorNamesAPosition() {
    NotificationRequests.ListPage page = new NotificationRequests.ListPage(20L, "12345", "sms");
    JsonObject json = NotificationApi.LIST.request().encode(page);
    assertThat(json).isEqualTo(new JsonObject().put("limit", 20L).put("cursor", "12345").put("channel", "sms"));
    assertThat(NotificationApi.LIST.request().decode(json)).isEqualTo(page);
    assertThat(page.before()).isEqualTo(12345L);
    NotificationRequests.ListPage first = NotificationApi.LIST.request().decode(new JsonObject());
    assertThat(first).isEqualTo(new NotificationRequests.ListPage(null, null, null));
    assertThat(first.before()).isNull();
    assertThat(NotificationApi.LIST.request().encode(first)).isEqualTo(new JsonObject());
  }

  @Test
  void aPageRequestListsEveryBadParameter() {
    assertThat(errors(NotificationApi.LIST.request(), new JsonObject().put("limit", 0).put("cursor", "abc").put("channel", "fax").put("page", 2)))
      .isEqualTo(Map.of("page", "is not a known field", "limit", "must be between 1 and 200",
        "cursor", "is not a cursor this service gave out", "channel", "must be one of email, push, sms"));
    assertThat(errors(NotificationApi.LIST.request(), new JsonObject().put("limit", "ten").put("cursor", "1".repeat(20))))
      .isEqualTo(Map.of("limit", "must be an integer", "cursor", "must be at most 19 characters"));
    assertThat(errors(NotificationApi.LIST.request(), new JsonObject().put("cursor", "1".repeat(19))))
      .isEqualTo(Map.of("cursor", "is not a cursor this service gave out"));
  }

  @Test
  void preferencesRoundTripAndNeedALanguageAndEveryChannel() {
    NotificationRequests.Preferences prefs = new NotificationRequests.Preferences("en", true, false, true);
    JsonObject json = NotificationApi.PREFERENCES_PUT.request().encode(prefs);
    assertThat(json).isEqualTo(new JsonObject().put("language", "en")
      .put("channels", new JsonObject().put("email", true).put("sms", false).put("push", true)));
    assertThat(NotificationApi.PREFERENCES_PUT.request().decode(json)).isEqualTo(prefs);

    assertThat(errors(NotificationApi.PREFERENCES_PUT.request(), new JsonObject()))
      .isEqualTo(Map.of("language", "is required", "channels", "is required", "channels.email", "is required",
        "channels.sms", "is required", "channels.push", "is required"));
    assertThat(errors(NotificationApi.PREFERENCES_PUT.request(), new JsonObject().put("language", "de").put("theme", "dark")
      .put("channels", new JsonObject().put("email", "yes").put("sms", false).put("push", true).put("fax", true))))
      .isEqualTo(Map.of("theme", "is not a known field", "language", "must be one of en, ru", "channels.fax", "is not a known field",
        "channels.email", "must be true or false"));
    assertThat(errors(NotificationApi.PREFERENCES_PUT.request(), new JsonObject().put("language", "english").put("channels", true)))
      .containsEntry("language", "must be at most 2 characters").containsEntry("channels", "must be an object");
  }

  @Test
  void theAdminsRequestsRoundTripAndRefuseWhatIsNotTheirs() {
    NotificationRequests.Parked parked = new NotificationRequests.Parked(5L);
    assertThat(NotificationApi.PARKED_LIST.request().decode(NotificationApi.PARKED_LIST.request().encode(parked))).isEqualTo(parked);
    assertThat(NotificationApi.PARKED_LIST.request().decode(new JsonObject())).isEqualTo(new NotificationRequests.Parked(null));
    assertThat(errors(NotificationApi.PARKED_LIST.request(), new JsonObject().put("limit", 201).put("cursor", "1")))
      .isEqualTo(Map.of("limit", "must be between 1 and 200", "cursor", "is not a known field"));

    UUID id = UUID.randomUUID();
    NotificationRequests.NotificationRef ref = new NotificationRequests.NotificationRef(id.toString());
    assertThat(NotificationApi.REPLAY.request().encode(ref)).isEqualTo(new JsonObject().put("notification_id", id.toString()));
    assertThat(NotificationApi.REPLAY.request().decode(NotificationApi.REPLAY.request().encode(ref))).isEqualTo(ref);
    assertThat(ref.id()).isEqualTo(id);
    // a caller passes on the id it was given; the receiver's decode refuses one that is no UUID
    JsonObject passedOn = NotificationApi.REPLAY.request().encode(new NotificationRequests.NotificationRef("0a1b"));
    assertThat(errors(NotificationApi.REPLAY.request(), passedOn)).isEqualTo(Map.of("notification_id", "must be a UUID"));
    assertThat(errors(NotificationApi.REPLAY.request(), new JsonObject().put("notification_id", "x")))
      .isEqualTo(Map.of("notification_id", "must be a UUID"));
    assertThat(errors(NotificationApi.REPLAY.request(), new JsonObject())).isEqualTo(Map.of("notification_id", "is required"));
  }

  @Test
  void readingPreferencesTakesNoFields() {
    assertThat(NotificationApi.PREFERENCES_GET.request().decode(new JsonObject())).isNull();
    assertThat(errors(NotificationApi.PREFERENCES_GET.request(), new JsonObject().put("language", "en")))
      .isEqualTo(Map.of("language", "is not a known field"));
  }
}
