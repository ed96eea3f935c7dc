// The web page in a real headless browser (Debian's /usr/bin/chromium driven
// by playwright-core, which never downloads a browser of its own). Run by
// tests/integration/web_browser_test.cpp against a real bedtimed with a
// simulated month in its log and an experiment started; it checks what the
// browser sees (the profile, the check-in, the experiment's result) and
// clicks through a check-in answer, logging a cramp and all heat off; the
// C++ side then checks MQTT and SQLite. Screenshots go to the folder given.
//
// The page's own Content-Security-Policy is enforced (no bypassCSP): every
// violation the browser reports fails the test, and a planted inline style
// and script prove that the check sees one. The browser runs in another time
// zone (TZ, which chromium honours) than the sleeper's, and the times shown
// must be the sleeper's.
//
// Usage: node page_test.mjs URL OUT_DIR SLEEPER_ZONE
//        (prints one JSON line; exit 1 on a failure)
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [url, out, sleeperZone] = process.argv.slice(2);
// UTC+5:30: the sleeper's zone (the C++ side picks a whole-hour offset) never
// reads the same minutes, so no time shown can be right by chance.
const browserZone = 'Asia/Kolkata';
const browserOffsetMin = 330;
mkdirSync(out, { recursive: true });
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  env: { ...process.env, TZ: browserZone },
});
// Polls `fn` in the page until it returns something truthy. page.evaluate goes
// through the DevTools protocol, which the page's CSP does not govern;
// playwright's waitForFunction compiles its predicate with `new Function`,
// which the page's policy (no 'unsafe-eval') rightly refuses.
const bedRow0 = page => page.locator('#beds tbody tr[data-name=bed]');
async function until(page, fn, arg, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await page.evaluate(fn, arg);
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + (what || fn.toString().slice(0, 80)));
    await new Promise(r => setTimeout(r, 50));
  }
}
// "HH:MM" of an instant at a UTC offset, by arithmetic: not the Intl code the page uses.
function hhmmAt(offsetMin, iso) {
  const t = new Date(Date.parse(iso) + offsetMin * 60000);
  return String(t.getUTCHours()).padStart(2, '0') + ':' + String(t.getUTCMinutes()).padStart(2, '0');
}
// The same in a fixed-offset zone (Etc/UTC; Etc/GMT-5 is UTC+5).
function hhmmIn(zone, iso) {
  const m = /^Etc\/GMT([+-])(\d+)$/.exec(zone);
  return hhmmAt(m ? (m[1] === '-' ? 60 : -60) * Number(m[2]) : 0, iso);
}
const result = {};
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  // Every CSP violation the page meets, as the browser reports it to the page.
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation',
      e => window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.on('pageerror', e => failures.push('page error: ' + e.message));
  const consoleCsp = [];
  page.on('console', m => {
    if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text());
    else if (m.type() === 'error') failures.push('console: ' + m.text());
  });

  // Tonight: the plan, the heat line, live updates connected.
  const response = await page.goto(url + '#tonight');
  const csp = response.headers()['content-security-policy'] || '';
  result.csp = csp;
  check(/script-src 'self'/.test(csp) && /style-src 'self'/.test(csp) && !/unsafe-(inline|eval)/.test(csp),
    'the page is not served with its strict CSP: ' + csp);
  await page.waitForSelector('body[data-loaded="1"]');
  const zoneSeen = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  // (ICU still calls it by its old name, Asia/Calcutta.)
  check(zoneSeen === browserZone || zoneSeen === 'Asia/Calcutta', 'the browser does not run in ' + browserZone + ' but ' + zoneSeen);
  await page.waitForSelector('#live.on');
  const card = page.locator('article[data-sleeper="alex"]');
  check(await card.count() === 1, 'no card for alex');
  check((await card.locator('.heat').textContent()).includes('device cap'), 'no device cap state');
  check(await card.locator('.timeline li').count() > 0, 'an empty timeline');
  result.tonight_line = await card.locator('p').first().textContent();
  check((await card.locator('.profile').textContent()).includes('Profile normal'), 'no profile in force');
  check(await card.locator('.checkin button.checkin-answer').count() === 3, 'no open check-in with its three answers');
  await page.screenshot({ path: out + '/tonight.png', fullPage: true });

  // Keyboard: Tab from the top reaches the pages' links first.
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.dataset.page) === 'tonight', 'Tab does not reach the navigation');

  // Log a cramp from the card; the page refreshes through the live events.
  const before = await card.locator('p').first().textContent();
  await card.locator('input[name=muscle]').fill('hamstring');
  await card.locator('select[name=side]').selectOption('right');
  await card.locator('button.log-cramp').click();
  await page.waitForSelector('#toast.shown:not(.bad)');
  await until(page, b => document.querySelector('article[data-sleeper="alex"] p').textContent !== b, before, 'the card to change');
  result.logged = 'hamstring';

  // All heat off.
  await page.click('#all-heat-off');
  await until(page, () => document.getElementById('toast').textContent.startsWith('pad off'));
  check(!(await page.locator('#toast').getAttribute('class')).includes('bad'), 'all heat off was refused');

  // The morning check-in, after the cramp (so its count above changed): "1 cramp",
  // through the checkin verb; the button then shows it pressed.
  await card.locator('.checkin button[data-answer=one]').click();
  await until(page, () => document.getElementById('toast').textContent.startsWith('checkin'));
  check(!(await page.locator('#toast').getAttribute('class')).includes('bad'), 'the check-in was refused: ' + await page.locator('#toast').textContent());
  await page.waitForSelector('article[data-sleeper="alex"] .checkin button[data-answer=one][aria-pressed=true]');
  result.checkin = 'one';

  // Log: the month's rows, a filter, a confirm.
  await page.click('nav a[data-page=log]');
  await until(page, () => document.querySelectorAll('#episodes tbody tr').length >= 20);
  result.rows = await page.locator('#episodes tbody tr').count();
  // The newest row's start, in the sleeper's zone and not in the browser's.
  const newest = await page.evaluate(async () => (await (await fetch('api/episodes')).json()).episodes[0]);
  const shownStart = await page.locator('#episodes tbody tr').first().locator('td.start').textContent();
  result.start_shown = shownStart;
  check(shownStart.includes(hhmmIn(sleeperZone, newest.start)),
    'the Log shows ' + shownStart + ', not ' + hhmmIn(sleeperZone, newest.start) + ' in ' + sleeperZone + ' for ' + newest.start);
  check(!shownStart.includes(hhmmAt(browserOffsetMin, newest.start)), 'the Log shows the browser\'s time');
  await page.waitForSelector('#checkins tbody tr');
  const checkinRow = page.locator('#checkins tbody tr').first();
  result.checkin_night = (await checkinRow.getAttribute('data-night')).split('/')[1];
  check((await checkinRow.locator('.answer').textContent()) === '1 cramp', 'the Log shows another answer');
  check((await checkinRow.locator('.channel').textContent()) === 'web', 'the Log does not say the page sent it');
  await page.screenshot({ path: out + '/log.png', fullPage: true });
  await page.selectOption('#log-filter select[name=status]', 'false_positive');
  await page.click('#log-filter button[type=submit]');
  await until(page, () => [...document.querySelectorAll('#episodes tbody td.status')].every(td => td.classList.contains('false_positive')));
  result.false_positives = await page.locator('#episodes tbody tr').count();
  await page.selectOption('#log-filter select[name=status]', 'unconfirmed');
  await page.click('#log-filter button[type=submit]');
  await until(page, () => [...document.querySelectorAll('#episodes tbody td.status')].every(td => td.classList.contains('unconfirmed')));
  const first = page.locator('#episodes tbody tr').first();
  result.confirmed = await first.getAttribute('data-id');
  await first.locator('button.confirm').click();
  await until(page, () => document.getElementById('toast').textContent.startsWith('confirm'));

  // Charts: the server's SVG report, loaded as an image.
  await page.click('nav a[data-page=charts]');
  await until(page, () => { const i = document.querySelector('#charts img'); return i && i.complete && i.naturalWidth > 0; });
  const x = page.locator('#experiments .experiment[data-sleeper="alex"]');
  await x.waitFor();
  check((await x.locator('h3').textContent()).includes('stretch'), 'the experiment is not the one started');
  check(await x.locator('tbody tr').count() === 2, 'the experiment has not one row per arm');
  check((await x.locator('.interim').textContent()).startsWith('Interim'), 'a new experiment not labelled interim');
  result.probability = await x.locator('.probability').textContent();
  check((await page.locator('#experiments table.what-helps caption').textContent()).includes('descriptive'), 'what helps not labelled descriptive');
  check(!/\b(cures?|treats|prevents)\b/i.test(await page.locator('#experiments').textContent()), 'the Charts claim a treatment');
  await page.screenshot({ path: out + '/charts.png', fullPage: true });

  // Devices and health: each actuator's last seen, confirmed, stale, power;
  // times in the house's zone.
  await page.click('nav a[data-page=devices]');
  await page.waitForSelector('#pads tbody tr');
  check((await page.locator('#health').textContent()).includes('connected'), 'health does not show the broker');
  check((await page.locator('#health').textContent()).includes('Times shown in' + sleeperZone), 'the page does not say its zone');
  check(await page.locator('#sensors tbody tr').count() === 1, 'the sensor is missing');
  const st = await page.evaluate(async () => (await fetch('api/state')).json());
  const padRow = page.locator('#pads tbody tr[data-name=pad]');
  const padSeen = await padRow.locator('td.last-seen').textContent();
  result.pad_last_seen = padSeen;
  check(st.pads[0].last_seen && padSeen.includes(hhmmIn(sleeperZone, st.pads[0].last_seen)),
    'the pad\'s last seen is not shown in the house\'s zone: ' + padSeen);
  // All heat off sent an OFF that no plug answers here: awaited, and not yet stale.
  check((await padRow.locator('td.confirmed').textContent()) === (st.pads[0].confirmed ? 'yes' : 'awaited'),
    'the pad\'s confirmation is not shown as the daemon has it');
  check((await bedRow0(page).locator('td.confirmed').textContent()) === 'yes', 'the bed (no move asked) is not shown as confirmed');
  check((await padRow.locator('td.stale').textContent()) === 'fresh', 'the pad shows stale after its report');
  check((await padRow.locator('td.power').textContent()) === '1.5 W', 'the pad\'s power is not shown');
  const bedRow = page.locator('#beds tbody tr[data-name=bed]');
  check(await bedRow.count() === 1, 'the bed is missing');
  check((await bedRow.locator('td.last-seen').textContent()).includes(hhmmIn(sleeperZone, st.beds[0].last_seen || '')),
    'the bed\'s last seen is not shown');
  check((await bedRow.locator('td.stale').textContent()) === 'fresh', 'the bed shows stale after its report');
  const sensorSeen = await page.locator('#sensors tbody tr td.last-seen').first().textContent();
  check(sensorSeen.includes(hhmmIn(sleeperZone, st.sensors[0].last_seen)), 'the sensor\'s last seen is not in the house\'s zone: ' + sensorSeen);
  await page.screenshot({ path: out + '/devices.png', fullPage: true });

  // Setup: what the house announces, from the page's own scan.
  await page.click('nav a[data-page=setup]');
  await page.waitForSelector('#discovery-page[data-state=done]', { timeout: 15000 });
  result.discovered = await page.locator('#discovered tbody tr').count();
  check(result.discovered >= 5, 'the Setup section lists ' + result.discovered + ' devices');
  const ecosystems = new Set(await page.locator('#discovered td.ecosystem').allTextContents());
  for (const e of ['zigbee2mqtt', 'tasmota', 'home_assistant'])
    check(ecosystems.has(e), 'the Setup section has nothing from ' + e);
  await page.screenshot({ path: out + '/setup.png', fullPage: true });

  // The CSP, enforced all along: nothing was blocked on any page ...
  const violations = await page.evaluate(() => window.__csp.slice());
  result.csp_violations = violations.concat(consoleCsp);
  check(violations.length === 0 && consoleCsp.length === 0, 'CSP violations: ' + result.csp_violations.join(' | '));
  // ... and the check would have seen it: an inline style and script are blocked and reported.
  await page.evaluate(() => {
    const style = document.createElement('style');
    style.textContent = 'body { outline: 1px solid red; }';
    document.head.append(style);
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true;';
    document.head.append(script);
  });
  await until(page, () => window.__csp.length >= 2, undefined, 'the planted inline style and script to be reported');
  check(!(await page.evaluate(() => window.__inlineRan)), 'an inline script ran despite the CSP');

  // A phone: no sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('nav a[data-page=tonight]');
  await page.waitForTimeout(100);
  check(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'the phone view scrolls sideways');
  await page.screenshot({ path: out + '/tonight-phone.png', fullPage: true });
} catch (e) {
  failures.push('step failed: ' + e.message.split('\n')[0]);
} finally {
  await browser.close();
}
result.failures = failures;
console.log(JSON.stringify(result));
process.exit(failures.length ? 1 : 0);
