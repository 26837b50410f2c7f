package dev.marketplace.browser;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Debian's Chromium driven by its chromedriver (nothing is downloaded: Selenium Manager is never
 * asked, both paths are given), headless, with a fresh profile per browser. Screenshots go to
 * {@code target/browser-screenshots/<journey>-<nn>-<page>.png}.
 */
final class Browser implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(30);
  private final ChromeDriver driver;
  private final Path screenshots;
  private final String journey;
  private int shot;

  private Browser(ChromeDriver driver, Path screenshots, String journey) {
    this.driver = driver;
    this.screenshots = screenshots;
    this.journey = journey;
  }

  /**
   * Checks that Chromium and chromedriver are installed. Missing ones fail the test when
   * {@code browser-tests.mode} is {@code required} (CI), and skip it with the reason otherwise.
   */
  static void assumeInstalled() {
    Path chromium = Path.of(System.getProperty("browser-tests.chromium", "/usr/bin/chromium"));
    Path chromedriver = Path.of(System.getProperty("browser-tests.chromedriver", "/usr/bin/chromedriver"));
    if (Files.isExecutable(chromium) && Files.isExecutable(chromedriver)) {
      return;
    }
    String why = "Chromium (" + chromium + ") or chromedriver (" + chromedriver + ") is not installed: "
      + "apt-get install chromium chromium-driver (.ci/run does it and requires these tests)";
    if ("required".equals(System.getProperty("browser-tests.mode"))) {
      throw new AssertionError(why);
    }
    Assumptions.abort("browser journeys skipped: " + why);
  }

  static Browser open(String journey, Path profileDir) throws IOException {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(System.getProperty("browser-tests.chromium", "/usr/bin/chromium"));
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
      "--disable-popup-blocking", "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows", "--window-size=1280,900", "--lang=ru-RU",
      "--user-data-dir=" + Files.createTempDirectory(profileDir, "chromium-").toAbsolutePath());
    ChromeDriverService service = new ChromeDriverService.Builder()
      .usingDriverExecutable(new File(System.getProperty("browser-tests.chromedriver", "/usr/bin/chromedriver")))
      .usingAnyFreePort()
      .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(20));
    Path dir = Path.of(System.getProperty("browser-tests.screenshots", "target/browser-screenshots"));
    Files.createDirectories(dir);
    return new Browser(driver, dir, journey);
  }

  ChromeDriver driver() {
    return driver;
  }

  void go(String url) {
    driver.get(url);
  }

  WebElement find(By by) {
    return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  WebElement clickable(By by) {
    return new WebDriverWait(driver, WAIT).until(ExpectedConditions.elementToBeClickable(by));
  }

  void click(By by) {
    clickable(by).click();
  }

  List<WebElement> all(By by) {
    return driver.findElements(by);
  }

  <T> T await(String what, ExpectedCondition<T> condition) {
    return new WebDriverWait(driver, WAIT).withMessage(what).ignoring(StaleElementReferenceException.class).until(condition);
  }

  <T> T await(String what, Duration timeout, ExpectedCondition<T> condition) {
    return new WebDriverWait(driver, timeout).withMessage(what).ignoring(StaleElementReferenceException.class).until(condition);
  }

  void type(By by, String text) {
    WebElement input = find(by);
    input.clear();
    input.sendKeys(text);
  }

  Object script(String js, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(js, args);
  }

  void resize(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
  }

  /** Saves what the browser shows now; returns the file. */
  Path screenshot(String page) throws IOException {
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Path file = screenshots.resolve(String.format("%s-%02d-%s.png", journey, ++shot, page));
    Files.write(file, png);
    return file;
  }

  @Override
  public void close() {
    driver.quit();
  }
}
