// The 概况 page: reads the village and this month's figures through the Tauri commands and
// shows them. It decides nothing: every figure comes computed from zhucun-core.

import { translate } from './i18n.js';

const { invoke } = window.__TAURI__.core;

let lang = 'zh-CN';
let t = translate(lang);

/** The pages of the left navigation, in order; only 概况 exists so far. */
const PAGES = [
  { id: 'overview', ready: true },
  { id: 'village' },
  { id: 'households' },
  { id: 'causes' },
  { id: 'interventions' },
  { id: 'pairing' },
  { id: 'visits' },
  { id: 'returns' },
  { id: 'bundles' },
  { id: 'settings' },
];

/**
 * The key figures, grouped as on the page. Each tile shows one or two stats fields, each with
 * its unit: `[field, unit key]`.
 */
const FIGURE_GROUPS = [
  {
    title: 'figures.poverty',
    tiles: [
      { label: 'stat.poor', parts: [['poor_households', 'unit.households'], ['poor_population', 'unit.people']] },
      { label: 'stat.lifted', parts: [['lifted_households', 'unit.households'], ['lifted_population', 'unit.people']] },
      { label: 'stat.monitored_households', parts: [['monitored_households', 'unit.households']] },
      { label: 'stat.per_capita_income', parts: [['per_capita_income', 'unit.yuan']] },
    ],
  },
  {
    title: 'figures.basics',
    tiles: [
      { label: 'stat.households_without_safe_water', parts: [['households_without_safe_water', 'unit.households']] },
      { label: 'stat.people_without_safe_water', parts: [['people_without_safe_water', 'unit.people']] },
      { label: 'stat.groups_without_road', parts: [['groups_without_road', 'unit.groups']] },
      { label: 'stat.groups_unpaved_road', parts: [['groups_unpaved_road', 'unit.groups']] },
    ],
  },
  {
    title: 'figures.projects',
    tiles: [
      { label: 'stat.interventions_active', parts: [['interventions_active', 'unit.projects']] },
      { label: 'stat.funds_budget', parts: [['funds_budget', 'unit.yuan']] },
      { label: 'stat.funds_disbursed', parts: [['funds_disbursed', 'unit.yuan']] },
      { label: 'stat.funds_disbursed_in_period', parts: [['funds_disbursed_in_period', 'unit.yuan']] },
    ],
  },
  {
    title: 'figures.work',
    tiles: [
      { label: 'stat.visits_in_period', parts: [['visits_in_period', 'unit.times']] },
      {
        label: 'stat.activities',
        parts: [['activities_done_in_period', ''], ['activities_planned_in_period', 'unit.activities']],
        separator: 'stat.ofSeparator',
      },
      { label: 'stat.days_in_village_in_period', parts: [['days_in_village_in_period', 'unit.days']] },
      {
        label: 'stat.days_in_village_year_to_date',
        parts: [['days_in_village_year_to_date', 'unit.days']],
        note: ['days_in_village_target', 'stat.target'],
      },
    ],
  },
];

/** The profile rows: [village field, how to show its value]. */
const PROFILE_ROWS = [
  ['code', text],
  ['township', text],
  ['county', text],
  ['group_count', quantity('unit.groups')],
  ['household_count', quantity('unit.households'), 'village-households'],
  ['population', quantity('unit.people'), 'village-population'],
  ['farmland_mu', quantity('unit.mu')],
  ['farmland_per_capita_mu', quantity('unit.mu')],
  ['altitude_m', quantity('unit.metres')],
  ['area_km2', quantity('unit.km2')],
  ['main_crops', text],
  ['livestock', text],
  ['ethnic_groups', text],
  ['secretary', text],
  ['secretary_phone', text],
];

const $ = (id) => document.getElementById(id);

function el(tag, className, content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined) node.textContent = content;
  return node;
}

function isMissing(value) {
  return value === null || value === undefined || value === '';
}

function formatNumber(value) {
  return typeof value === 'number'
    ? new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(value)
    : String(value);
}

/** A value cell holding plain text. */
function text(value, id) {
  const node = el('span', 'value', isMissing(value) ? t('value.missing') : String(value));
  if (id) node.id = id;
  return node;
}

/** A value cell holding a number (its own element, for tests and screen readers) and a unit. */
function quantity(unitKey) {
  return (value, id) => {
    const node = el('span', 'value');
    const number = el('span', 'number', isMissing(value) ? t('value.missing') : formatNumber(value));
    if (id) number.id = id;
    node.append(number);
    const unit = t(unitKey);
    if (!isMissing(value) && unit) node.append(el('span', 'unit', unit));
    return node;
  };
}

function applyStaticText() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of document.querySelectorAll('[data-i18n-label]')) {
    node.setAttribute('aria-label', t(node.dataset.i18nLabel));
  }
}

function buildNav() {
  const list = $('nav-list');
  list.replaceChildren();
  for (const page of PAGES) {
    const item = el('li');
    const label = t(`nav.${page.id}`);
    let link;
    if (page.ready) {
      link = el('a', 'nav-item active', label);
      link.href = `#${page.id}`;
      link.setAttribute('aria-current', 'page');
    } else {
      // Future pages stay focusable so the keyboard reaches them, and say why they do nothing.
      link = el('button', 'nav-item soon', label);
      link.type = 'button';
      link.setAttribute('aria-disabled', 'true');
      link.title = t('nav.soon');
      link.addEventListener('click', () => showNotice(t('nav.soonNotice', { page: label })));
    }
    link.dataset.page = page.id;
    item.append(link);
    list.append(item);
  }
}

let noticeTimer;
function showNotice(message) {
  const notice = $('notice');
  notice.textContent = message;
  notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { notice.hidden = true; }, 4000);
}

/** Shows an error from a command: `{code, message}` from the core, or whatever Tauri sent. */
function showError(error) {
  const message = typeof error === 'string' ? error : error?.message;
  $('error-message').textContent = message || t('error.unknown');
  $('error').dataset.code = error?.code ?? '';
  $('error').hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error-message').textContent = '';
}

function periodLabel(period) {
  const [year, month] = String(period).split('-').map(Number);
  const monthNames = t('overview.monthNames').split(',');
  return t('overview.period', { year, month, monthName: monthNames[month - 1] ?? month });
}

function renderProfile(village) {
  $('village-name').textContent = village.name ?? t('value.missing');
  $('key-poor').hidden = village.key_poor_village !== true;
  $('village-place').textContent = [village.county, village.township]
    .filter((part) => !isMissing(part)).join(' · ');

  const list = $('profile-list');
  list.replaceChildren();
  for (const [field, show, id] of PROFILE_ROWS) {
    const row = el('div', 'profile-row');
    const value = el('dd');
    value.append(show(village[field], id));
    row.append(el('dt', null, t(`profile.${field}`)), value);
    list.append(row);
  }
}

function renderStats({ period, stats }) {
  $('period').textContent = periodLabel(period);
  const groups = $('figure-groups');
  groups.replaceChildren();
  for (const group of FIGURE_GROUPS) {
    const section = el('section', 'figure-group');
    section.append(el('h3', null, t(group.title)));
    const tiles = el('div', 'tiles');
    for (const tile of group.tiles) {
      const figure = el('p', 'tile-value');
      tile.parts.forEach(([field, unitKey], index) => {
        if (index > 0) figure.append(el('span', 'separator', t(tile.separator ?? 'stat.pairSeparator')));
        const value = stats[field];
        const part = el('span', 'part');
        const number = el('span', 'number', isMissing(value) ? t('value.missing') : formatNumber(value));
        number.dataset.stat = field;
        part.append(number);
        const unit = unitKey && t(unitKey);
        if (!isMissing(value) && unit) part.append(el('span', 'unit', unit));
        figure.append(part);
      });
      if (tile.note && !isMissing(stats[tile.note[0]])) {
        const [field, template] = tile.note;
        const note = el('span', 'tile-note', t(template, { value: formatNumber(stats[field]) }));
        note.dataset.stat = field;
        figure.append(note);
      }
      const node = el('div', 'tile');
      node.append(el('p', 'tile-label', t(tile.label)), figure);
      tiles.append(node);
    }
    section.append(tiles);
    groups.append(section);
  }
}

async function showOverview() {
  $('loading').hidden = false;
  try {
    const village = await invoke('village_profile');
    if (village === null) {
      $('overview').hidden = true;
      $('first-run').hidden = false;
      return;
    }
    const month = await invoke('month_stats');
    renderProfile(village);
    renderStats(month);
    $('first-run').hidden = true;
    $('overview').hidden = false;
  } catch (error) {
    showError(error);
  } finally {
    $('loading').hidden = true;
  }
}

async function loadDemo() {
  const button = $('load-demo');
  button.disabled = true;
  button.textContent = t('firstRun.loading');
  clearError();
  try {
    await invoke('load_demo');
    await showOverview();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
    button.textContent = t('firstRun.loadDemo');
  }
}

async function start() {
  try {
    lang = await invoke('ui_language');
  } catch (error) {
    showError(error);
  }
  t = translate(lang);
  applyStaticText();
  buildNav();
  $('load-demo').addEventListener('click', loadDemo);
  await showOverview();
}

start();
