package dev.marketplace.browser;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storefront and the seller's cabinet in a real Chromium against the real jar: a guest who
 * mistypes a search ends up with a paid order without reloading the page, a seller lists, stocks
 * and ships, and the pages speak English on request and fit a phone.
 */
class StorefrontJourneyIT {
  private static final String PASSWORD = "Browser-pass-42";
  @TempDir
  static Path workDir;
  private static RunningShop shop;

  @BeforeAll
  static void startShop() throws Exception {
    Browser.assumeInstalled();
    shop = RunningShop.start(Path.of(System.getProperty("marketplace.jar", "../app/target/marketplace.jar")).toAbsolutePath(), workDir);
  }

  @AfterAll
  static void stopShop() throws Exception {
    if (shop != null) {
      shop.close();
    }
  }

  private static String unique(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
  }

  @Test
  void guestSearchesWithATypoFiltersByBrandBuysAfterSigningUpAndSeesThePaymentArriveLive() throws Exception {
    // the other side: a seller has two samovars of two brands in stock
    String seller = shop.account(unique("samovar-seller"), PASSWORD, "seller");
    String tula = shop.listProduct(seller, "Самовар электрический Тула", "Тула", 649_900, 10);
    String rostov = shop.listProduct(seller, "Самовар электрический Ростов", "Ростов", 589_900, 10);
    shop.awaitInStock(tula);
    shop.awaitInStock(rostov);

    try (Browser browser = Browser.open("guest", workDir)) {
      browser.go(shop.baseUrl());
      browser.find(By.cssSelector("#product-grid .card"));
      assertThat(browser.find(By.tagName("h1")).getText()).isEqualTo("Каталог");
      browser.screenshot("catalog");

      // a typo: nothing matches it, the catalog answers for the corrected query and says so
      WebElement search = browser.find(By.id("search-input"));
      search.sendKeys("самавар");
      search.sendKeys(Keys.ENTER);
      WebElement corrected = browser.find(By.cssSelector("[data-testid=corrected-query]"));
      assertThat(corrected.getText()).contains("самавар").contains("самовар");
      assertThat(titles(browser)).hasSize(2).allMatch(t -> t.startsWith("Самовар"));
      assertThat(browser.find(By.id("search-input")).getAttribute("value")).isEqualTo("самавар");
      assertThat(browser.all(By.id("show-more")).get(0).isDisplayed()).as("two results are one page").isFalse();
      browser.screenshot("search-corrected");

      // the brand facet narrows it to one
      WebElement brand = browser.find(By.cssSelector("#brand-facet a[data-brand='Тула']"));
      assertThat(brand.findElement(By.xpath("following-sibling::span")).getText()).contains("1");
      brand.click();
      browser.await("only Тула's samovar is listed", d -> titles(browser).equals(List.of("Самовар электрический Тула")));
      browser.screenshot("brand-filter");

      // the product page, two units into the guest's cart
      browser.click(By.cssSelector("#product-grid a[data-testid=product-link]"));
      assertThat(browser.find(By.id("product-title")).getText()).isEqualTo("Самовар электрический Тула");
      assertThat(browser.find(By.id("product-price")).getText().replace('\u00a0', ' ').replace('\u202f', ' ')).isEqualTo("6 499,00 ₽");
      assertThat(browser.find(By.id("product-stock")).getText()).contains("10");
      browser.type(By.id("quantity"), "2");
      browser.click(By.id("add-to-cart"));
      browser.await("the page says it was added", ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[role=status] .ok"), "Добавлено"));
      assertThat(browser.find(By.id("cart-badge")).getText()).isEqualTo("2");
      browser.screenshot("product");

      browser.click(By.id("nav-cart"));
      assertThat(browser.find(By.cssSelector("[data-testid=cart-line]")).getText()).contains("Самовар электрический Тула").contains("× 2");
      browser.find(By.id("signup-to-checkout"));
      browser.screenshot("guest-cart");

      // signing up carries the guest cart over
      browser.click(By.id("signup-to-checkout"));
      browser.type(By.id("name"), "Анна");
      browser.type(By.id("email"), unique("anna"));
      browser.type(By.id("password"), PASSWORD);
      browser.click(By.id("signup-submit"));
      assertThat(browser.find(By.id("merge-notice")).getText()).contains("перенесены");
      assertThat(browser.find(By.cssSelector("[data-testid=cart-line]")).getText()).contains("Самовар электрический Тула").contains("× 2");
      assertThat(browser.find(By.id("cart-total")).getText().replace('\u00a0', ' ').replace('\u202f', ' ')).contains("12 998,00 ₽");
      browser.screenshot("cart-merged");

      // checkout opens the bank's 3-D Secure page; this tab shows the order, which has to turn PAID by itself
      browser.script("window.__sameDocument = 'kept';");
      String shopWindow = browser.driver().getWindowHandle();
      browser.click(By.id("checkout"));
      browser.await("the bank's window opens", d -> d.getWindowHandles().size() == 2);
      browser.await("the order awaits payment", ExpectedConditions.attributeToBe(By.id("order-status"), "data-status", "PENDING_PAYMENT"));
      browser.await("in words", ExpectedConditions.textToBe(By.id("order-status"), "ожидает оплаты"));
      if (shop.statusOf("/eventbus/info") == 200) {
        // a gateway with the SockJS bridge: the order page follows bridge.user.<id> (the stream and polling stay behind it)
        browser.await("the order page listens on the event bus bridge",
          ExpectedConditions.attributeToBe(By.id("live-state"), "data-bridge", "true"));
      }
      browser.screenshot("order-pending");

      Set<String> handles = browser.driver().getWindowHandles();
      String bankWindow = handles.stream().filter(h -> !h.equals(shopWindow)).findFirst().orElseThrow();
      browser.driver().switchTo().window(bankWindow);
      browser.await("the 3-D Secure page", ExpectedConditions.titleIs("3-D Secure"));
      assertThat(browser.driver().getCurrentUrl()).startsWith("http://127.0.0.1:" + shop.bankPort + "/3ds/");
      assertThat(browser.find(By.tagName("body")).getText()).contains("12998.00 RUB");
      browser.screenshot("bank-3ds");
      browser.click(By.xpath("//button[.='Confirm']"));
      WebElement back = browser.find(By.id("return-to-shop"));
      assertThat(browser.find(By.tagName("h1")).getText()).isEqualTo("Payment captured");
      assertThat(back.getAttribute("href")).startsWith(shop.baseUrl() + "#/orders/");
      browser.screenshot("bank-confirmed");

      browser.driver().switchTo().window(shopWindow);
      browser.await("the order turns PAID without a reload", Duration.ofSeconds(40),
        ExpectedConditions.attributeToBe(By.id("order-status"), "data-status", "PAID"));
      browser.await("in words", ExpectedConditions.textToBe(By.id("order-status"), "оплачен"));
      assertThat(browser.script("return window.__sameDocument;")).as("the page was never reloaded").isEqualTo("kept");
      browser.await("the history shows both", d -> {
        String history = d.findElement(By.id("order-history")).getText();
        return history.contains("ожидает оплаты") && history.contains("оплачен");
      });
      browser.await("a notification arrives live on the badge", Duration.ofSeconds(40),
        d -> !d.findElement(By.id("notification-badge")).getText().isBlank());
      browser.await("the cart badge empties with the order placed", d -> d.findElement(By.id("cart-badge")).getText().isEmpty());
      browser.screenshot("order-paid");

      browser.click(By.id("nav-orders"));
      assertThat(browser.find(By.id("orders-table")).getText()).contains("оплачен");
      browser.screenshot("orders");

      browser.click(By.id("nav-notifications"));
      assertThat(browser.find(By.cssSelector("#notification-list li")).getText()).isNotBlank();
      browser.await("opening the list clears the badge", d -> d.findElement(By.id("notification-badge")).getText().isEmpty());
      browser.screenshot("notifications");
    }
  }

  @Test
  void sellerSignsUpListsAProductStocksItAndShipsTheOrder() throws Exception {
    try (Browser browser = Browser.open("seller", workDir)) {
      browser.go(shop.baseUrl() + "#/signup?role=seller");
      assertThat(new Select(browser.find(By.id("role"))).getFirstSelectedOption().getAttribute("value")).isEqualTo("seller");
      browser.type(By.id("name"), "Гончарная лавка");
      browser.type(By.id("email"), unique("potter"));
      browser.type(By.id("password"), PASSWORD);
      browser.click(By.id("signup-submit"));
      browser.find(By.id("tab-products"));
      browser.click(By.id("tab-new"));

      browser.type(By.id("p-title"), "Кружка керамическая Гжель");
      browser.type(By.id("p-description"), "Ручная роспись, 300 мл");
      browser.type(By.id("p-brand"), "Гжель");
      browser.type(By.id("p-price"), "1 299,50");
      browser.type(By.id("p-attributes"), "объём_мл = 300\nцвет = синий");
      browser.screenshot("new-product");
      browser.click(By.id("product-save"));

      browser.type(By.id("s-quantity"), "5");
      browser.click(By.id("stock-save"));
      browser.await("the stock is set", ExpectedConditions.textToBePresentInElementLocated(By.id("stock-result"), "Доступно всего: 5"));
      browser.type(By.id("l-per-buyer"), "3");
      browser.click(By.id("limit-save"));
      browser.await("the limit is set", ExpectedConditions.textToBePresentInElementLocated(By.id("limit-result"), "Лимит: 3"));
      browser.screenshot("stock-and-limit");

      browser.type(By.id("p-price"), "1399");
      browser.click(By.id("product-save"));
      browser.await("the new price is saved", ExpectedConditions.textToBePresentInElementLocated(By.id("toast"), "Сохранено"));

      browser.click(By.id("tab-products"));
      WebElement row = browser.find(By.cssSelector("#seller-products tr[data-product-id]"));
      assertThat(row.getText().replace('\u00a0', ' ').replace('\u202f', ' ')).contains("Кружка керамическая Гжель").contains("1 399,00 ₽");
      String productId = row.getAttribute("data-product-id");
      browser.screenshot("my-products");

      // a buyer buys one and pays (over the API), then the seller ships it and marks it delivered
      shop.awaitInStock(productId);
      String buyer = shop.account(unique("buyer"), PASSWORD, "buyer");
      String orderId = shop.buyAndPay(buyer, productId);

      browser.click(By.id("tab-shipments"));
      By shipment = By.cssSelector("#shipments-table tr[data-order-id='" + orderId + "']");
      WebElement line = browser.find(shipment);
      assertThat(line.getText()).contains("Кружка керамическая Гжель × 1");
      assertThat(line.findElement(By.cssSelector("[data-testid=shipment-status]")).getAttribute("data-status")).isEqualTo("READY_TO_SHIP");
      browser.screenshot("shipments");
      browser.click(By.cssSelector("#shipments-table tr[data-order-id='" + orderId + "'] [data-testid=ship]"));
      browser.await("the shipment is shipped", d -> "SHIPPED".equals(d.findElement(shipment).findElement(By.cssSelector("[data-testid=shipment-status]")).getAttribute("data-status")));
      browser.click(By.cssSelector("#shipments-table tr[data-order-id='" + orderId + "'] [data-testid=deliver]"));
      browser.await("the shipment is delivered", d -> "DELIVERED".equals(d.findElement(shipment).findElement(By.cssSelector("[data-testid=shipment-status]")).getAttribute("data-status")));
      browser.screenshot("shipment-delivered");
      assertThat(shop.call("GET", "/orders/" + orderId, null, buyer).getString("status")).isEqualTo("DELIVERED");

      // sold out of mugs: the seller takes the listing down
      browser.go(shop.baseUrl() + "#/seller/edit/" + productId);
      browser.click(By.id("product-delete"));
      browser.await("a confirmation is asked", ExpectedConditions.alertIsPresent()).accept();
      browser.find(By.id("tab-products"));
      browser.await("the listing is gone", ExpectedConditions.textToBePresentInElementLocated(By.id("view"), "Вы ещё не выставили товаров"));
      shop.expectStatus("GET", "/catalog/products/" + productId, 404);
    }
  }

  @Test
  void buyerAcceptsAChangedPriceIsToldAboutThePurchaseLimitAndCancelsTheOrder() throws Exception {
    String seller = shop.account(unique("teapot-seller"), PASSWORD, "seller");
    String teapot = shop.listProduct(seller, "Чайник заварочный Ломоносов", "ИФЗ", 150_000, 5);
    shop.call("PUT", "/seller/products/" + teapot + "/purchase-limit", new JsonObject().put("per_buyer", 1), seller);
    shop.awaitInStock(teapot);

    try (Browser browser = Browser.open("buyer", workDir)) {
      browser.go(shop.baseUrl() + "#/signup");
      browser.type(By.id("name"), "Борис");
      browser.type(By.id("email"), unique("boris"));
      browser.type(By.id("password"), PASSWORD);
      browser.click(By.id("signup-submit"));
      browser.find(By.id("sign-out"));
      browser.go(shop.baseUrl() + "#/product/" + teapot);
      browser.type(By.id("quantity"), "2");
      browser.click(By.id("add-to-cart"));
      browser.await("two in the cart", ExpectedConditions.textToBe(By.id("cart-badge"), "2"));

      // the seller raises the price while the teapots sit in the cart
      shop.call("PUT", "/seller/products/" + teapot, new JsonObject().put("title", "Чайник заварочный Ломоносов")
        .put("description", "Для проверки в браузере").put("brand", "ИФЗ").put("category_id", 1)
        .put("price", new JsonObject().put("amount", 175_000).put("currency", "RUB"))
        .put("attributes", new JsonObject()), seller);
      browser.click(By.id("nav-cart"));
      WebElement changed = browser.find(By.cssSelector("[data-testid=price-changed]"));
      assertThat(changed.getText().replace('\u00a0', ' ').replace('\u202f', ' ')).isEqualTo("Цена изменилась: было 1 500,00 ₽, стало 1 750,00 ₽");
      assertThat(browser.find(By.id("checkout")).isEnabled()).as("no checkout before the new price is accepted").isFalse();
      browser.screenshot("price-changed");
      browser.click(By.id("accept-prices"));
      browser.await("the new price is accepted", d -> d.findElements(By.cssSelector("[data-testid=price-changed]")).isEmpty());
      assertThat(browser.find(By.id("cart-total")).getText().replace('\u00a0', ' ').replace('\u202f', ' ')).contains("3 500,00 ₽");

      // two is more than a buyer may have: the refusal is explained, one goes through
      browser.click(By.id("checkout"));
      WebElement problem = browser.find(By.cssSelector("#checkout-status [data-testid=problem]"));
      assertThat(problem.getAttribute("data-code")).isEqualTo("PURCHASE_LIMIT_EXCEEDED");
      assertThat(problem.getText()).startsWith("Превышен лимит покупки этого товара.").doesNotContain("{");
      browser.await("the unused bank window is closed", d -> d.getWindowHandles().size() == 1);
      browser.screenshot("purchase-limit");
      browser.type(By.id("qty-" + teapot), "1");
      browser.find(By.id("qty-" + teapot)).sendKeys(Keys.ENTER);
      browser.await("one in the cart", ExpectedConditions.textToBe(By.id("cart-badge"), "1"));

      String shopWindow = browser.driver().getWindowHandle();
      browser.click(By.id("checkout"));
      browser.await("the bank's window opens", d -> d.getWindowHandles().size() == 2);
      browser.await("the order awaits payment", ExpectedConditions.attributeToBe(By.id("order-status"), "data-status", "PENDING_PAYMENT"));
      for (String handle : browser.driver().getWindowHandles()) {
        if (!handle.equals(shopWindow)) {
          browser.driver().switchTo().window(handle).close();
        }
      }
      browser.driver().switchTo().window(shopWindow);

      // the buyer changes their mind
      browser.click(By.id("cancel-order"));
      browser.await("a confirmation is asked", ExpectedConditions.alertIsPresent()).accept();
      browser.await("the order is cancelled", ExpectedConditions.attributeToBe(By.id("order-status"), "data-status", "CANCELLED"));
      browser.await("the history gives the reason", ExpectedConditions.textToBePresentInElementLocated(By.id("order-history"), "отменён покупателем"));
      assertThat(browser.all(By.id("cancel-order"))).isEmpty();
      browser.screenshot("order-cancelled");
    }
  }

  @Test
  void onAPhoneTheStorefrontIsKeyboardReachableSpeaksEnglishOnRequestAndExplainsErrorsInWords() throws Exception {
    try (Browser browser = Browser.open("phone", workDir)) {
      browser.resize(390, 844);
      browser.go(shop.baseUrl());
      browser.find(By.cssSelector("#product-grid .card"));
      assertThat((Long) browser.script("return document.documentElement.scrollWidth;")).as("no sideways scrolling").isLessThanOrEqualTo(390L);

      browser.find(By.tagName("body")).sendKeys(Keys.TAB);
      assertThat(browser.script("return document.activeElement.id;")).as("the first Tab lands on the skip link").isEqualTo("skip-link");
      assertThat(browser.script("return getComputedStyle(document.activeElement).outlineStyle;")).as("focus is visible").isNotEqualTo("none");
      browser.screenshot("catalog-ru");

      browser.click(By.id("lang-switch"));
      browser.await("the page speaks English", ExpectedConditions.textToBe(By.tagName("h1"), "Catalog"));
      assertThat(browser.script("return document.documentElement.lang;")).isEqualTo("en");
      assertThat(browser.find(By.id("search-button")).getText()).isEqualTo("Search");
      browser.screenshot("catalog-en");

      // a problem+json from the API is shown as a sentence, in the chosen language
      browser.go(shop.baseUrl() + "#/signin");
      browser.type(By.id("email"), unique("nobody"));
      browser.type(By.id("password"), "wrong-password-1");
      browser.find(By.id("password")).sendKeys(Keys.ENTER);
      WebElement problem = browser.find(By.cssSelector("[data-testid=problem]"));
      assertThat(problem.getAttribute("data-code")).isEqualTo("INVALID_CREDENTIALS");
      assertThat(problem.getText()).startsWith("Wrong email or password.").doesNotContain("{").doesNotContain("\"status\"");
      assertThat(browser.script("return document.querySelector('label[for=email]') !== null && document.querySelector('label[for=password]') !== null;"))
        .as("inputs are labelled").isEqualTo(true);
      browser.screenshot("signin-error-en");
    }
  }

  private static List<String> titles(Browser browser) {
    return browser.all(By.cssSelector("#product-grid [data-testid=product-link]")).stream().map(WebElement::getText).toList();
  }
}
