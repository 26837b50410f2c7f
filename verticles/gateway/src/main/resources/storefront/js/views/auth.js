// Sign in and sign up (buyer or seller); a guest cart is merged on the way in.
import { post } from '../api.js';
import { h, clear, problemBox, toast } from '../dom.js';
import { t } from '../i18n.js';
import { session, signIn } from '../session.js';
import { rememberMerge } from './cart.js';

const NEXT = { cart: '/cart', orders: '/orders', seller: '/seller' };

function field(id, label, attrs, hint) {
  return h('label', { for: id }, label, hint ? h('span', { class: 'muted hint' }, ' (' + hint + ')') : null,
    h('input', { id, name: id, required: true, ...attrs }));
}

async function enter(email, password, params, navigate) {
  const merge = await signIn(email, password);
  if (merge) rememberMerge(merge);
  const me = session().me;
  toast(t('welcome', { name: me?.name ?? email }));
  const next = NEXT[params.get('next')] ?? (merge ? '/cart' : (me?.roles?.includes('seller') ? '/seller' : '/'));
  navigate(next);
}

export function signInView(view, { params, navigate }) {
  const errors = h('div', { id: 'auth-errors' });
  const form = h('form', { class: 'form panel', id: 'signin-form', novalidate: true, onsubmit: async e => {
    e.preventDefault();
    clear(errors);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await enter(form.elements.email.value.trim(), form.elements.password.value, params, navigate);
    } catch (err) {
      clear(errors, problemBox(err));
      button.disabled = false;
    }
  } },
    field('email', t('email'), { type: 'email', autocomplete: 'email' }),
    field('password', t('password'), { type: 'password', autocomplete: 'current-password' }),
    errors,
    h('div', {}, h('button', { type: 'submit', class: 'primary', id: 'signin-submit' }, t('signIn'))));
  clear(view, h('h1', {}, t('signIn')), form,
    h('p', {}, t('noAccount'), ' ', h('a', { href: '#/signup' + (params.get('next') ? '?next=' + encodeURIComponent(params.get('next')) : '') }, t('signUp'))));
}

export function signUpView(view, { params, navigate }) {
  const errors = h('div', { id: 'auth-errors' });
  const asSeller = params.get('role') === 'seller';
  const role = h('select', { id: 'role', name: 'role' },
    h('option', { value: 'buyer', selected: !asSeller }, t('roleBuyer')),
    h('option', { value: 'seller', selected: asSeller }, t('roleSeller')));
  const form = h('form', { class: 'form panel', id: 'signup-form', novalidate: true, onsubmit: async e => {
    e.preventDefault();
    clear(errors);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    try {
      await post('/auth/register', { email, password, name: form.elements.name.value.trim(), role: role.value });
      await enter(email, password, params, navigate);
    } catch (err) {
      clear(errors, problemBox(err));
      button.disabled = false;
    }
  } },
    field('name', t('name'), { type: 'text', autocomplete: 'name', maxlength: 100 }),
    field('email', t('email'), { type: 'email', autocomplete: 'email' }),
    field('password', t('password'), { type: 'password', autocomplete: 'new-password', minlength: 8 }, t('passwordHint')),
    h('label', { for: 'role' }, t('role'), role),
    errors,
    h('div', {}, h('button', { type: 'submit', class: 'primary', id: 'signup-submit' }, t('signUp'))));
  clear(view, h('h1', {}, asSeller ? t('sellerSignUp') : t('signUp')), form,
    h('p', {}, t('haveAccount'), ' ', h('a', { href: '#/signin' + (params.get('next') ? '?next=' + encodeURIComponent(params.get('next')) : '') }, t('signIn'))),
    asSeller ? null : h('p', {}, h('a', { href: '#/signup?role=seller', id: 'seller-signup-link' }, t('sellerSignUp'))));
}
