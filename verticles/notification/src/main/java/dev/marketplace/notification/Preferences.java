package dev.marketplace.notification;

import io.vertx.core.json.JsonObject;

/** A user's notification preferences as JSON, and the defaults for a user who never set any. */
final class Preferences {
  static final String DEFAULT_LANGUAGE = "ru";

  private Preferences() {
  }

  static JsonObject json(String language, boolean email, boolean sms, boolean push) {
    return new JsonObject()
      .put("language", language)
      .put("channels", new JsonObject().put("email", email).put("sms", sms).put("push", push));
  }

  /** Email and push on, SMS off (it costs money and needs a phone), in the language auth knows. */
  static JsonObject defaults(String knownLanguage) {
    String language = knownLanguage != null && Templates.LANGUAGES.contains(knownLanguage) ? knownLanguage : DEFAULT_LANGUAGE;
    return json(language, true, false, true);
  }

  static boolean enabled(JsonObject preferences, String channel) {
    return preferences.getJsonObject("channels").getBoolean(channel, false);
  }
}
