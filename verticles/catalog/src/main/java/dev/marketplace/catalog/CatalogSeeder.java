package dev.marketplace.catalog;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Generates a realistic catalog straight into {@code catalog.products} with {@code COPY}: Russian
 * and English titles built from per-category nouns, brands, models and colours, descriptions,
 * prices in kopecks, attributes, ratings, popularity with a long tail, creation dates over two
 * years and a couple of thousand sellers. Blocking JDBC: call it off the event loop. The schema
 * must be migrated already. Seeded products are bulk data: no {@code catalog.events} are published.
 */
public final class CatalogSeeder {
  private static final int CHUNK_ROWS = 20_000;
  private static final int SELLERS = 2_000;
  private static final long SEED_LOCK = 0x5eed_ca7a_1000L;

  private record Kind(int categoryId, String[] nounsRu, String[] nounsEn, String[] brands, long minRub, long maxRub,
                      String attribute, String[] attributeValues) {
  }

  private static String[] a(String... values) {
    return values;
  }

  private static final List<Kind> KINDS = List.of(
    new Kind(111, a("Смартфон", "Мобильный телефон"), a("Smartphone", "Phone"), a("Samsung", "Apple", "Xiaomi", "Realme", "Honor", "Tecno", "Infinix", "Poco"), 6000, 150000, "memory", a("64 ГБ", "128 ГБ", "256 ГБ", "512 ГБ")),
    new Kind(112, a("Чехол", "Защитное стекло", "Зарядное устройство", "Кабель USB-C", "Держатель"), a("Case", "Screen protector", "Charger", "USB-C cable"), a("Baseus", "Ugreen", "Anker", "Borofone", "Hoco", "Spigen"), 150, 5000, "compatibility", a("iPhone 15", "Galaxy S24", "Redmi Note 13", "универсальный")),
    new Kind(121, a("Ноутбук", "Ультрабук", "Игровой ноутбук"), a("Laptop", "Notebook", "Gaming laptop"), a("Lenovo", "Asus", "HP", "Acer", "MSI", "Apple", "Huawei", "Dell"), 30000, 350000, "ram", a("8 ГБ", "16 ГБ", "32 ГБ")),
    new Kind(122, a("Монитор", "Игровой монитор"), a("Monitor", "Gaming monitor", "Display"), a("Samsung", "LG", "AOC", "Philips", "Xiaomi", "Dell", "BenQ"), 9000, 120000, "diagonal", a("24\"", "27\"", "32\"", "34\"")),
    new Kind(123, a("Клавиатура", "Механическая клавиатура", "Мышь", "Беспроводная мышь", "Игровая мышь"), a("Keyboard", "Mechanical keyboard", "Mouse", "Wireless mouse"), a("Logitech", "Razer", "A4Tech", "Defender", "HyperX", "Redragon"), 500, 20000, "connection", a("USB", "Bluetooth", "радио")),
    new Kind(131, a("Наушники", "Беспроводные наушники", "Гарнитура"), a("Headphones", "Wireless earbuds", "Headset"), a("Sony", "JBL", "Apple", "Sennheiser", "Marshall", "Xiaomi", "Huawei"), 900, 60000, "type", a("накладные", "полноразмерные", "вкладыши", "TWS")),
    new Kind(132, a("Портативная колонка", "Умная колонка", "Акустическая система"), a("Bluetooth speaker", "Smart speaker", "Speaker system"), a("JBL", "Яндекс", "Sony", "Marshall", "Sven", "Xiaomi"), 1500, 70000, "power", a("10 Вт", "20 Вт", "40 Вт", "100 Вт")),
    new Kind(211, a("Платье", "Вечернее платье", "Платье миди", "Сарафан"), a("Dress", "Evening dress", "Midi dress"), a("Zarina", "Love Republic", "Befree", "Mango", "Zolla", "Gloria Jeans"), 900, 15000, "size", a("XS", "S", "M", "L", "XL")),
    new Kind(212, a("Куртка женская", "Пуховик женский", "Парка женская", "Ветровка"), a("Women's jacket", "Down jacket", "Parka"), a("Columbia", "The North Face", "Finn Flare", "Zarina", "Outventure"), 2500, 40000, "size", a("XS", "S", "M", "L", "XL")),
    new Kind(221, a("Рубашка мужская", "Рубашка оксфорд", "Рубашка льняная"), a("Men's shirt", "Oxford shirt", "Linen shirt"), a("Henderson", "Tom Tailor", "Levi's", "Zolla", "Befree", "Uniqlo"), 900, 9000, "size", a("S", "M", "L", "XL", "XXL")),
    new Kind(222, a("Куртка мужская", "Пуховик мужской", "Бомбер", "Парка мужская"), a("Men's jacket", "Bomber jacket", "Down parka"), a("Columbia", "The North Face", "Outventure", "Finn Flare", "Adidas"), 3000, 45000, "size", a("S", "M", "L", "XL", "XXL")),
    new Kind(231, a("Кроссовки", "Кроссовки беговые", "Кеды"), a("Sneakers", "Running shoes", "Trainers"), a("Nike", "Adidas", "Puma", "New Balance", "Asics", "Reebok", "Skechers"), 2000, 25000, "size", a("38", "39", "40", "41", "42", "43", "44")),
    new Kind(232, a("Ботинки", "Челси", "Зимние ботинки"), a("Boots", "Chelsea boots", "Winter boots"), a("Ecco", "Timberland", "Rieker", "Respect", "Dr. Martens"), 3000, 30000, "size", a("38", "39", "40", "41", "42", "43", "44")),
    new Kind(311, a("Сковорода", "Кастрюля", "Набор посуды", "Ковш", "Сотейник"), a("Frying pan", "Saucepan", "Cookware set"), a("Tefal", "Rondell", "Kukmara", "Fissman", "Polaris", "Ikea"), 700, 20000, "diameter", a("20 см", "24 см", "26 см", "28 см")),
    new Kind(312, a("Блендер", "Чайник электрический", "Кофемашина", "Мультиварка", "Микроволновая печь", "Тостер"), a("Blender", "Electric kettle", "Coffee machine", "Multicooker"), a("Bosch", "Philips", "Redmond", "Polaris", "De'Longhi", "Xiaomi", "Tefal"), 1200, 90000, "power", a("800 Вт", "1200 Вт", "1800 Вт", "2200 Вт")),
    new Kind(32, a("Диван", "Кресло", "Стол письменный", "Стул", "Шкаф", "Комод"), a("Sofa", "Armchair", "Desk", "Chair", "Wardrobe"), a("Ikea", "Hoff", "Шатура", "Много Мебели", "Askona"), 2500, 150000, "material", a("дерево", "металл", "ЛДСП", "ткань")),
    new Kind(33, a("Комплект постельного белья", "Плед", "Подушка", "Одеяло", "Полотенце"), a("Bed linen set", "Blanket", "Pillow", "Towel"), a("Togas", "Askona", "Cleanelly", "Ikea", "Текс-Дизайн"), 400, 15000, "material", a("хлопок", "сатин", "бамбук", "микрофибра")),
    new Kind(41, a("Крем для лица", "Сыворотка", "Маска для лица", "Тоник", "Пенка для умывания"), a("Face cream", "Serum", "Face mask", "Cleanser"), a("La Roche-Posay", "Vichy", "CeraVe", "Librederm", "Nivea", "Garnier"), 250, 6000, "volume", a("30 мл", "50 мл", "150 мл", "200 мл")),
    new Kind(42, a("Парфюмерная вода", "Туалетная вода", "Духи"), a("Eau de parfum", "Eau de toilette", "Perfume"), a("Chanel", "Dior", "Lacoste", "Hugo Boss", "Zara", "Lancome"), 900, 25000, "volume", a("30 мл", "50 мл", "100 мл")),
    new Kind(51, a("Гантели", "Коврик для йоги", "Фитнес-браслет", "Эспандер", "Скакалка"), a("Dumbbells", "Yoga mat", "Fitness tracker", "Resistance band"), a("Demix", "Torneo", "Starfit", "Xiaomi", "Reebok"), 300, 15000, "weight", a("1 кг", "2 кг", "5 кг", "10 кг")),
    new Kind(52, a("Велосипед горный", "Велосипед городской", "Самокат", "Велошлем"), a("Mountain bike", "City bike", "Scooter", "Bike helmet"), a("Stels", "Forward", "Merida", "Giant", "Stern", "Format"), 2000, 120000, "wheel", a("20\"", "24\"", "26\"", "27.5\"", "29\"")),
    new Kind(53, a("Палатка", "Спальный мешок", "Рюкзак туристический", "Термос", "Фонарь налобный"), a("Tent", "Sleeping bag", "Hiking backpack", "Thermos"), a("Outventure", "Tramp", "Nova Tour", "Stanley", "Naturehike"), 600, 40000, "capacity", a("2 места", "3 места", "40 л", "60 л")),
    new Kind(61, a("Конструктор", "Мягкая игрушка", "Кукла", "Радиоуправляемая машинка", "Настольная игра", "Пазл"), a("Building set", "Plush toy", "Doll", "RC car", "Board game", "Puzzle"), a("Lego", "Hasbro", "Mattel", "Hot Wheels", "Мир деревянных игрушек", "Десятое королевство"), 300, 20000, "age", a("3+", "6+", "8+", "12+")),
    new Kind(62, a("Комбинезон детский", "Футболка детская", "Шапка детская", "Пижама детская"), a("Kids overalls", "Kids t-shirt", "Kids hat"), a("Reima", "Kerry", "Acoola", "Gloria Jeans", "Crockid"), 300, 12000, "size", a("92", "104", "116", "128", "140")),
    new Kind(71, a("Роман", "Детектив", "Фэнтези", "Сборник рассказов"), a("Novel", "Detective story", "Fantasy novel"), a("Эксмо", "АСТ", "Азбука", "Махаон", "Penguin"), 250, 2500, "cover", a("твердая", "мягкая")),
    new Kind(72, a("Книга по психологии", "Книга по истории", "Научно-популярная книга", "Учебник"), a("Psychology book", "History book", "Popular science book"), a("МИФ", "Альпина", "Бомбора", "Питер", "O'Reilly"), 300, 4000, "cover", a("твердая", "мягкая")));

  private static final String[] COLORS_RU = {"черный", "белый", "серый", "синий", "красный", "зеленый", "бежевый", "розовый", "голубой"};
  private static final String[] COLORS_EN = {"black", "white", "grey", "blue", "red", "green", "beige", "pink", "silver"};
  private static final String[] PHRASES_RU = {
    "Отличное качество и надежность на каждый день.", "Хит продаж этого сезона.", "Быстрая доставка по всей России.",
    "Гарантия производителя один год.", "Удобный и практичный выбор для дома и работы.", "Стильный дизайн и продуманные детали.",
    "Подойдет в подарок близким.", "Проверено тысячами покупателей.", "Экологичные материалы.", "Легкий и компактный."};
  private static final String[] PHRASES_EN = {
    "Great quality for everyday use.", "Best seller of the season.", "Official warranty included.",
    "Lightweight and durable.", "A perfect gift.", "Designed for comfort and style."};

  /** What a seed run did. */
  public record Report(int products, long millis, boolean skipped) {
  }

  private CatalogSeeder() {
  }

  /**
   * Inserts {@code count} generated products.
   *
   * @param onlyIfEmpty seed only when the catalog has no product yet (first start); concurrent
   *                    callers serialise on an advisory lock so only one of them seeds
   * @param availability give products a made-up {@code available} figure (benchmarks: inventory
   *                    events overwrite it); otherwise they are out of stock until inventory says so
   */
  public static Report seed(String jdbcUrl, String user, String password, int count, long randomSeed,
                            boolean onlyIfEmpty, boolean availability) throws SQLException, IOException {
    long started = System.nanoTime();
    try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password == null ? "" : password)) {
      connection.setAutoCommit(true);
      try (Statement st = connection.createStatement()) {
        st.execute("SELECT pg_advisory_lock(" + SEED_LOCK + ")");
      }
      try {
        if (onlyIfEmpty && hasProducts(connection)) {
          return new Report(0, 0, true);
        }
        insert(connection, count, new Random(randomSeed), availability);
      } finally {
        try (Statement st = connection.createStatement()) {
          st.execute("SELECT pg_advisory_unlock(" + SEED_LOCK + ")");
        }
      }
      try (Statement st = connection.createStatement()) {
        // fresh statistics and visibility map: the planner and index-only scans need both at once
        st.execute(count >= 10_000 ? "VACUUM ANALYZE catalog.products" : "ANALYZE catalog.products");
      }
    }
    return new Report(count, (System.nanoTime() - started) / 1_000_000, false);
  }

  private static boolean hasProducts(Connection connection) throws SQLException {
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM catalog.products)")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private static void insert(Connection connection, int count, Random random, boolean availability) throws SQLException, IOException {
    Set<String> brands = new HashSet<>();
    for (Kind kind : KINDS) {
      brands.addAll(List.of(kind.brands()));
    }
    try (PreparedStatement ps = connection.prepareStatement(
      "INSERT INTO catalog.brands (name) SELECT unnest(?::text[]) ON CONFLICT DO NOTHING")) {
      ps.setArray(1, connection.createArrayOf("text", brands.toArray()));
      ps.executeUpdate();
    }
    String[] sellers = new String[SELLERS];
    for (int i = 0; i < SELLERS; i++) {
      sellers[i] = UUID.nameUUIDFromBytes(("seed-seller-" + i).getBytes(StandardCharsets.UTF_8)).toString();
    }
    // a bulk load into an empty table: building the indexes once afterwards is several times
    // faster than maintaining them row by row (the definitions come from the catalog itself)
    List<String> deferredIndexes = count >= 50_000 && !hasProducts(connection) ? dropSecondaryIndexes(connection) : List.of();
    try {
      copyRows(connection, count, random, sellers, availability);
    } finally {
      try (Statement st = connection.createStatement()) {
        st.execute("SET maintenance_work_mem = '256MB'");
        for (String definition : deferredIndexes) {
          st.execute(definition);
        }
      }
    }
  }

  private static List<String> dropSecondaryIndexes(Connection connection) throws SQLException {
    List<String> definitions = new java.util.ArrayList<>();
    List<String> names = new java.util.ArrayList<>();
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(
      "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'catalog' AND i.tablename = 'products'"
        + " AND i.indexname <> 'products_pkey'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
        definitions.add(rs.getString(2));
      }
    }
    try (Statement st = connection.createStatement()) {
      for (String name : names) {
        st.execute("DROP INDEX catalog.\"" + name + "\"");
      }
    }
    return definitions;
  }

  private static void copyRows(Connection connection, int count, Random random, String[] sellers, boolean availability) throws SQLException, IOException {
    CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
    String copySql = "COPY catalog.products (id, seller_id, title, description, brand, category_id, price_amount, currency,"
      + " attributes, rating, review_count, popularity, available, created_at, updated_at) FROM STDIN";
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    StringBuilder chunk = new StringBuilder(CHUNK_ROWS * 400);
    for (int done = 0; done < count; ) {
      int rows = Math.min(CHUNK_ROWS, count - done);
      chunk.setLength(0);
      for (int i = 0; i < rows; i++) {
        // rows go in category order, as a catalog clustered by category keeps them: the matches of
        // a query (mostly one kind of product) then share heap pages instead of one page each
        Kind kind = KINDS.get((int) ((long) (done + i) * KINDS.size() / count));
        row(chunk, random, kind, sellers, now, availability);
      }
      copy.copyIn(copySql, new StringReader(chunk.toString()));
      done += rows;
    }
  }

  private static void row(StringBuilder out, Random random, Kind kind, String[] sellers, Instant now, boolean availability) {
    String brand = pick(random, kind.brands());
    String model = model(random);
    boolean english = random.nextInt(10) < 3;
    int color = random.nextInt(COLORS_RU.length);
    String title = english
      ? brand + " " + pick(random, kind.nounsEn()) + " " + model + " " + COLORS_EN[color]
      : pick(random, kind.nounsRu()) + " " + brand + " " + model + " " + COLORS_RU[color];
    String attributeValue = pick(random, kind.attributeValues());
    String description = (english ? pick(random, PHRASES_EN) + " " + pick(random, PHRASES_EN)
      : pick(random, PHRASES_RU) + " " + pick(random, PHRASES_RU) + " " + pick(random, PHRASES_RU))
      + " " + kind.attribute() + ": " + attributeValue + ".";
    long rub = kind.minRub() + (long) (Math.pow(random.nextDouble(), 2) * (kind.maxRub() - kind.minRub()));
    long kopecks = (rub / 10 * 10 - 1) * 100 + (random.nextInt(4) == 0 ? 90 : 0);
    String attributes = "{\"color\": \"" + COLORS_RU[color] + "\", \"" + kind.attribute() + "\": \""
      + attributeValue.replace("\"", "\\\"") + "\"}";
    // a long tail: most products are rarely bought, a few very often
    int popularity = (int) Math.min(1_000_000, Math.pow(random.nextDouble(), 6) * 100_000);
    int reviews = popularity / (5 + random.nextInt(20));
    String rating = reviews == 0 ? "0" : String.format(Locale.ROOT, "%.1f", 3.0 + random.nextDouble() * 2.0);
    int available = availability && random.nextInt(5) > 0 ? random.nextInt(500) + 1 : 0;
    Instant created = now.minusSeconds((long) (random.nextDouble() * 730 * 86_400));
    field(out, new UUID(random.nextLong(), random.nextLong()).toString()).append('\t');
    field(out, pick(random, sellers)).append('\t');
    field(out, title).append('\t');
    field(out, description).append('\t');
    field(out, brand).append('\t');
    out.append(kind.categoryId()).append('\t');
    out.append(Math.max(kopecks, 100)).append("\tRUB\t");
    field(out, attributes).append('\t');
    out.append(rating).append('\t').append(reviews).append('\t').append(popularity).append('\t').append(available).append('\t');
    out.append(created).append('\t').append(created).append('\n');
  }

  private static String model(Random random) {
    String letters = "ABCDEFGHKLMNPRSTXZ";
    return "" + letters.charAt(random.nextInt(letters.length())) + letters.charAt(random.nextInt(letters.length()))
      + "-" + (100 + random.nextInt(9900));
  }

  private static String pick(Random random, String[] values) {
    return values[random.nextInt(values.length)];
  }

  /** COPY text format: backslash, tab and line breaks escaped. */
  private static StringBuilder field(StringBuilder out, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
    return out;
  }
}
