// Texts in Russian (default) and English, and the formatting of money, dates and statuses.
const TEXTS = {
  ru: {
    skip: 'Перейти к содержимому', search: 'Поиск', searchPlaceholder: 'Искать товары, бренды…', find: 'Найти',
    menu: 'Меню', catalog: 'Каталог', cart: 'Корзина', orders: 'Заказы', notifications: 'Уведомления',
    signIn: 'Войти', signUp: 'Регистрация', signOut: 'Выйти', seller: 'Кабинет продавца', language: 'English',
    languageLabel: 'Switch to English', loading: 'Загрузка…', footer: 'Marketplace — витрина на открытом API /api/v1',
    filters: 'Фильтры', categories: 'Категории', allCategories: 'Все категории', brands: 'Бренды', allBrands: 'Все бренды',
    price: 'Цена, ₽', priceFrom: 'от', priceTo: 'до', inStockOnly: 'Только в наличии', apply: 'Применить', reset: 'Сбросить',
    sort: 'Сортировка', sort_relevance: 'по релевантности', sort_popular: 'популярные', sort_price_asc: 'сначала дешевле',
    sort_price_desc: 'сначала дороже', sort_new: 'новинки', shown: 'Найдено товаров: {n}', shownMore: 'Показано товаров: {n}', nothingFound: 'Ничего не нашлось.',
    showMore: 'Показать ещё', correctedQuery: 'По запросу «{asked}» ничего не нашлось. Показаны результаты для «{shown}».',
    didYouMean: 'Возможно, вы имели в виду', approxCounts: 'Счётчики приблизительные',
    inStock: 'В наличии: {n}', outOfStock: 'Нет в наличии', addToCart: 'В корзину', added: 'Добавлено в корзину: {title}',
    brand: 'Бренд', category: 'Категория', sellerLabel: 'Продавец', rating: 'Рейтинг', reviews: 'отзывов: {n}',
    attributes: 'Характеристики', description: 'Описание', quantity: 'Количество', backToCatalog: '← В каталог',
    cartEmpty: 'Корзина пуста.', total: 'Итого', remove: 'Удалить', update: 'Изменить', priceChanged: 'Цена изменилась: было {was}, стало {now}',
    acceptPrices: 'Согласиться с новыми ценами', pricesAccepted: 'Новые цены приняты.', productGone: 'Товар больше не продаётся.',
    onlyAvailable: 'Доступно только {n} шт.', checkout: 'Оформить и оплатить', signInToCheckout: 'Войдите или зарегистрируйтесь, чтобы оформить заказ.',
    cartMerged: 'Товары из гостевой корзины перенесены в вашу корзину.', cartCapped: 'Количество некоторых товаров уменьшено до допустимого.',
    cartDropped: 'Некоторые товары больше не продаются и убраны.', guestCart: 'Гостевая корзина: войдите, чтобы сохранить её.',
    paying: 'Открываем страницу банка…', waitingRoom: 'Распродажа: вы в очереди, не закрывайте страницу.', queuePosition: 'Ваше место в очереди: {n}', payAtBank: 'Оплатить на странице банка (3-D Secure)', popupBlocked: 'Браузер не открыл окно банка: нажмите «Оплатить».',
    order: 'Заказ', orderNo: 'Заказ № {id}', status: 'Статус', history: 'История', placed: 'Оформлен', lines: 'Состав заказа',
    cancelOrder: 'Отменить заказ', cancelConfirm: 'Отменить этот заказ?', cancelled: 'Заказ отменён.', noOrders: 'Заказов пока нет.',
    reservedUntil: 'Товар зарезервирован до {at}', waitingPayment: 'Ждём подтверждения оплаты от банка…', liveOn: 'Статус обновляется сам.',
    shipments: 'Отправления', noNotifications: 'Уведомлений нет.', markRead: 'Все прочитаны',
    email: 'Эл. почта', password: 'Пароль', passwordHint: 'не короче 8 символов', name: 'Имя', role: 'Я', roleBuyer: 'покупатель',
    roleSeller: 'продавец', haveAccount: 'Уже есть аккаунт?', noAccount: 'Нет аккаунта?', signedInAs: 'Вы вошли как {email}',
    welcome: 'Добро пожаловать, {name}!', sellerSignUp: 'Стать продавцом', sellerOnly: 'Этот раздел — для продавцов. Зарегистрируйтесь как продавец.',
    myProducts: 'Мои товары', newProduct: 'Новый товар', shipmentsTab: 'Отправления', title: 'Название', priceRub: 'Цена, ₽',
    categoryId: 'Категория', attrsHint: 'по одной на строку: ключ = значение', save: 'Сохранить', create: 'Выставить на продажу',
    edit: 'Изменить', delete: 'Удалить', deleteConfirm: 'Снять товар с продажи и удалить?', deleted: 'Товар удалён.', saved: 'Сохранено.',
    created: 'Товар выставлен на продажу.', stock: 'Остатки по складам', warehouse: 'Склад', setStock: 'Задать остаток',
    stockSaved: 'Остаток на складе {warehouse}: {quantity}. Доступно всего: {available}.', purchaseLimit: 'Лимит на покупателя',
    limitHint: 'пусто — без лимита', setLimit: 'Задать лимит', limitSaved: 'Лимит: {n}', noLimit: 'Лимит снят.',
    noProducts: 'Вы ещё не выставили товаров (список хранится на этом устройстве).', noShipments: 'Отправлений нет.',
    ship: 'Отправлено', deliver: 'Доставлено', shipped: 'Отправление передано в доставку.', delivered: 'Отправление доставлено.',
    orderStatusLabel: 'заказ: {s}', openProduct: 'Открыть', notFound: 'Страница не найдена.', tryAgain: 'Повторить',
    networkError: 'Нет связи с сервером. Проверьте подключение и повторите.', sessionExpired: 'Сессия истекла: войдите снова.',
    kind_brand: 'бренд', kind_category: 'категория', kind_product: 'товар',
    units: '{n} шт.', perBuyer: 'не больше {n} на покупателя', unknownSeller: 'продавец', units_short: 'шт.',
  },
  en: {
    skip: 'Skip to content', search: 'Search', searchPlaceholder: 'Search products, brands…', find: 'Search',
    menu: 'Menu', catalog: 'Catalog', cart: 'Cart', orders: 'Orders', notifications: 'Notifications',
    signIn: 'Sign in', signUp: 'Sign up', signOut: 'Sign out', seller: 'Seller cabinet', language: 'Русский',
    languageLabel: 'Переключить на русский', loading: 'Loading…', footer: 'Marketplace — a storefront on the public API /api/v1',
    filters: 'Filters', categories: 'Categories', allCategories: 'All categories', brands: 'Brands', allBrands: 'All brands',
    price: 'Price, ₽', priceFrom: 'from', priceTo: 'to', inStockOnly: 'In stock only', apply: 'Apply', reset: 'Reset',
    sort: 'Sort by', sort_relevance: 'relevance', sort_popular: 'popular', sort_price_asc: 'price: low to high',
    sort_price_desc: 'price: high to low', sort_new: 'newest', shown: '{n} products found', shownMore: 'Showing {n} products', nothingFound: 'Nothing found.',
    showMore: 'Show more', correctedQuery: 'Nothing matched “{asked}”. Showing results for “{shown}”.',
    didYouMean: 'Did you mean', approxCounts: 'Counts are approximate',
    inStock: 'In stock: {n}', outOfStock: 'Out of stock', addToCart: 'Add to cart', added: 'Added to the cart: {title}',
    brand: 'Brand', category: 'Category', sellerLabel: 'Seller', rating: 'Rating', reviews: '{n} reviews',
    attributes: 'Specifications', description: 'Description', quantity: 'Quantity', backToCatalog: '← Back to the catalog',
    cartEmpty: 'Your cart is empty.', total: 'Total', remove: 'Remove', update: 'Update', priceChanged: 'Price changed: was {was}, now {now}',
    acceptPrices: 'Accept the new prices', pricesAccepted: 'New prices accepted.', productGone: 'This product is no longer sold.',
    onlyAvailable: 'Only {n} available.', checkout: 'Check out and pay', signInToCheckout: 'Sign in or sign up to check out.',
    cartMerged: 'The items of your guest cart are now in your cart.', cartCapped: 'Some quantities were lowered to what is allowed.',
    cartDropped: 'Some products are no longer sold and were removed.', guestCart: 'Guest cart: sign in to keep it.',
    paying: 'Opening the bank’s page…', waitingRoom: 'Sale: you are in the queue, keep this page open.', queuePosition: 'Your place in the queue: {n}', payAtBank: 'Pay on the bank’s page (3-D Secure)', popupBlocked: 'The browser did not open the bank’s window: press “Pay”.',
    order: 'Order', orderNo: 'Order #{id}', status: 'Status', history: 'History', placed: 'Placed', lines: 'Items',
    cancelOrder: 'Cancel the order', cancelConfirm: 'Cancel this order?', cancelled: 'The order is cancelled.', noOrders: 'No orders yet.',
    reservedUntil: 'Reserved for you until {at}', waitingPayment: 'Waiting for the bank to confirm the payment…', liveOn: 'The status updates by itself.',
    shipments: 'Shipments', noNotifications: 'No notifications.', markRead: 'All read',
    email: 'Email', password: 'Password', passwordHint: 'at least 8 characters', name: 'Name', role: 'I am a', roleBuyer: 'buyer',
    roleSeller: 'seller', haveAccount: 'Have an account?', noAccount: 'No account yet?', signedInAs: 'Signed in as {email}',
    welcome: 'Welcome, {name}!', sellerSignUp: 'Become a seller', sellerOnly: 'This part is for sellers. Sign up as a seller.',
    myProducts: 'My products', newProduct: 'New product', shipmentsTab: 'Shipments', title: 'Title', priceRub: 'Price, ₽',
    categoryId: 'Category', attrsHint: 'one per line: key = value', save: 'Save', create: 'List for sale',
    edit: 'Edit', delete: 'Delete', deleteConfirm: 'Take this product off sale and delete it?', deleted: 'Product deleted.', saved: 'Saved.',
    created: 'The product is listed for sale.', stock: 'Stock per warehouse', warehouse: 'Warehouse', setStock: 'Set stock',
    stockSaved: 'Stock at {warehouse}: {quantity}. Available in all: {available}.', purchaseLimit: 'Limit per buyer',
    limitHint: 'empty: no limit', setLimit: 'Set limit', limitSaved: 'Limit: {n}', noLimit: 'Limit removed.',
    noProducts: 'You have not listed any products yet (the list is kept on this device).', noShipments: 'No shipments.',
    ship: 'Shipped', deliver: 'Delivered', shipped: 'The shipment is on its way.', delivered: 'The shipment is delivered.',
    orderStatusLabel: 'order: {s}', openProduct: 'Open', notFound: 'Page not found.', tryAgain: 'Try again',
    networkError: 'The server cannot be reached. Check the connection and try again.', sessionExpired: 'Your session expired: sign in again.',
    kind_brand: 'brand', kind_category: 'category', kind_product: 'product',
    units: '{n} pcs', perBuyer: 'at most {n} per buyer', unknownSeller: 'seller', units_short: 'pcs',
  },
};

// Order and shipment states, and the reasons of a cancellation.
const STATUS = {
  ru: { NEW: 'новый', RESERVED: 'товар зарезервирован', PENDING_PAYMENT: 'ожидает оплаты', PAID: 'оплачен', SHIPPED: 'отправлен',
    DELIVERED: 'доставлен', CANCELLED: 'отменён', REFUNDED: 'деньги возвращены', READY_TO_SHIP: 'готово к отправке', PENDING: 'ждёт оплаты заказа' },
  en: { NEW: 'new', RESERVED: 'reserved', PENDING_PAYMENT: 'awaiting payment', PAID: 'paid', SHIPPED: 'shipped',
    DELIVERED: 'delivered', CANCELLED: 'cancelled', REFUNDED: 'refunded', READY_TO_SHIP: 'ready to ship', PENDING: 'awaiting the order’s payment' },
};
const REASON = {
  ru: { OUT_OF_STOCK: 'товара не хватило', PAYMENT_DECLINED: 'банк отклонил оплату', PAYMENT_TIMEOUT: 'банк не ответил',
    RESERVATION_EXPIRED: 'время на оплату истекло', BUYER_CANCELLED: 'отменён покупателем', PRICE_CHANGED: 'цена изменилась',
    CHECKOUT_FAILED: 'сбой при оформлении', PAYMENT_REFUNDED: 'деньги возвращены',
    PAYMENT_STARTED: 'оплата начата', PAYMENT_CAPTURED: 'оплата получена', ALL_SHIPMENTS_SHIPPED: 'всё отправлено', ALL_SHIPMENTS_DELIVERED: 'всё доставлено', STOCK_RESERVED: 'товар зарезервирован' },
  en: { OUT_OF_STOCK: 'not enough stock', PAYMENT_DECLINED: 'the bank declined the payment', PAYMENT_TIMEOUT: 'the bank did not answer',
    RESERVATION_EXPIRED: 'the time to pay ran out', BUYER_CANCELLED: 'cancelled by the buyer', PRICE_CHANGED: 'a price changed',
    CHECKOUT_FAILED: 'checkout failed', PAYMENT_REFUNDED: 'money refunded',
    PAYMENT_STARTED: 'payment started', PAYMENT_CAPTURED: 'payment received', ALL_SHIPMENTS_SHIPPED: 'all shipped', ALL_SHIPMENTS_DELIVERED: 'all delivered', STOCK_RESERVED: 'stock reserved' },
};

// What an API problem `code` means to a person; the server's own `detail` is English and technical.
const PROBLEM = {
  ru: {
    VALIDATION_FAILED: 'Проверьте поля формы.', MALFORMED_REQUEST: 'Запрос не понят сервером.', UNAUTHORIZED: 'Нужно войти.',
    INVALID_CREDENTIALS: 'Неверная почта или пароль.', TOKEN_INVALID: 'Сессия недействительна: войдите снова.',
    TOKEN_REUSED: 'Сессия завершена из соображений безопасности: войдите снова.', FORBIDDEN: 'Недостаточно прав.',
    NOT_FOUND: 'Не найдено.', CONFLICT: 'Конфликт: данные изменились, обновите страницу.', ALREADY_EXISTS: 'Такая запись уже есть (например, почта уже зарегистрирована).',
    ILLEGAL_STATE: 'Сейчас это действие недоступно.', IDEMPOTENCY_KEY_REUSED: 'Повтор запроса с другими данными.',
    OUT_OF_STOCK: 'Товара не хватает на складе.', PRICE_CHANGED: 'Цены изменились: проверьте корзину и согласитесь с новыми ценами.',
    CART_EMPTY: 'Корзина пуста.', PAYMENT_UNAVAILABLE: 'Оплата сейчас недоступна, попробуйте позже.', PAYMENT_DECLINED: 'Банк отклонил оплату.',
    PURCHASE_LIMIT_EXCEEDED: 'Превышен лимит покупки этого товара.', RATE_LIMITED: 'Слишком много запросов: подождите {s} с.',
    SERVICE_UNAVAILABLE: 'Сервис временно недоступен.', TIMEOUT: 'Сервер не успел ответить, попробуйте ещё раз.',
    INTERNAL: 'Внутренняя ошибка сервера.', TOO_MANY_OPEN_CHECKOUTS: 'У вас слишком много неоплаченных заказов: оплатите или отмените их.',
    PAYLOAD_TOO_LARGE: 'Слишком большой запрос.', METHOD_NOT_ALLOWED: 'Действие не поддерживается.',
  },
  en: {
    VALIDATION_FAILED: 'Please check the form.', MALFORMED_REQUEST: 'The server did not understand the request.', UNAUTHORIZED: 'Please sign in.',
    INVALID_CREDENTIALS: 'Wrong email or password.', TOKEN_INVALID: 'Your session is not valid: sign in again.',
    TOKEN_REUSED: 'Your session was ended for safety: sign in again.', FORBIDDEN: 'You are not allowed to do that.',
    NOT_FOUND: 'Not found.', CONFLICT: 'Something changed meanwhile: reload the page.', ALREADY_EXISTS: 'This already exists (e.g. the email is registered).',
    ILLEGAL_STATE: 'This cannot be done now.', IDEMPOTENCY_KEY_REUSED: 'A repeated request with different data.',
    OUT_OF_STOCK: 'Not enough stock.', PRICE_CHANGED: 'Prices changed: check the cart and accept the new prices.',
    CART_EMPTY: 'The cart is empty.', PAYMENT_UNAVAILABLE: 'Payment is unavailable right now, try later.', PAYMENT_DECLINED: 'The bank declined the payment.',
    PURCHASE_LIMIT_EXCEEDED: 'The purchase limit of this product is exceeded.', RATE_LIMITED: 'Too many requests: wait {s} s.',
    SERVICE_UNAVAILABLE: 'The service is temporarily unavailable.', TIMEOUT: 'The server did not answer in time, try again.',
    INTERNAL: 'An internal server error.', TOO_MANY_OPEN_CHECKOUTS: 'You have too many unpaid orders: pay or cancel them.',
    PAYLOAD_TOO_LARGE: 'The request is too large.', METHOD_NOT_ALLOWED: 'This action is not supported.',
  },
};

const STORAGE_KEY = 'mp.lang';
let lang = (() => {
  try { return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ru'; } catch { return 'ru'; }
})();
const listeners = new Set();

export function language() { return lang; }
export function locale() { return lang === 'en' ? 'en-GB' : 'ru-RU'; }

export function setLanguage(next) {
  lang = next === 'en' ? 'en' : 'ru';
  try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* private mode: the choice lasts this page */ }
  document.documentElement.lang = lang;
  listeners.forEach(fn => fn(lang));
}

export function onLanguageChange(fn) { listeners.add(fn); }

/** A text by key with {placeholders}; an unknown key shows itself, so a gap is visible, not blank. */
export function t(key, params = {}) {
  const text = TEXTS[lang][key] ?? TEXTS.ru[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export function statusText(status) { return STATUS[lang][status] ?? String(status ?? '').toLowerCase(); }
export function reasonText(reason) { return reason ? (REASON[lang][reason] ?? reason.toLowerCase().replace(/_/g, ' ')) : ''; }
export function problemText(code, params = {}) {
  const text = PROBLEM[lang][code];
  return text ? text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m)) : null;
}

const fractionCache = new Map();
function fractionDigits(currency) {
  if (!fractionCache.has(currency)) {
    let digits = 2;
    try { digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits; } catch { /* unknown code */ }
    fractionCache.set(currency, digits);
  }
  return fractionCache.get(currency);
}

/**
 * `{amount, currency}` in minor units as a localized amount. The decimal is built from the
 * integer by string arithmetic (never a float division), and Intl formats the exact decimal string.
 */
export function money(m) {
  if (!m || m.amount === undefined || m.amount === null) return '';
  const currency = m.currency || 'RUB';
  const digits = fractionDigits(currency);
  const negative = Number(m.amount) < 0;
  const units = String(Math.abs(Math.trunc(Number(m.amount)))).padStart(digits + 1, '0');
  const decimal = (negative ? '-' : '') + (digits ? units.slice(0, -digits) + '.' + units.slice(-digits) : units);
  try {
    return new Intl.NumberFormat(locale(), { style: 'currency', currency, minimumFractionDigits: digits }).format(decimal);
  } catch {
    return decimal + ' ' + currency;
  }
}

/** A price typed by a person ("2 499,90", "2499.9") as minor units, or null when it is not one. */
export function parseMoney(text, currency = 'RUB') {
  const digits = fractionDigits(currency);
  const clean = String(text ?? '').replace(/[\s\u00a0₽]/g, '').replace(',', '.');
  if (!/^\d{1,13}(\.\d*)?$/.test(clean)) return null;
  const [whole, frac = ''] = clean.split('.');
  if (frac.length > digits) return null;
  return Number(whole) * 10 ** digits + Number((frac + '0'.repeat(digits)).slice(0, digits) || 0);
}

/** Minor units as the plain decimal a price input shows ("2499.90"). */
export function moneyInput(amount, currency = 'RUB') {
  if (amount === undefined || amount === null || amount === '') return '';
  const digits = fractionDigits(currency);
  const units = String(Math.trunc(Number(amount))).padStart(digits + 1, '0');
  return digits ? units.slice(0, -digits) + '.' + units.slice(-digits) : units;
}

export function dateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' });
}
