// The web page in a real headless browser (Debian's /usr/bin/chromium driven
// by playwright-core, which never downloads a browser of its own). Run by
// tests/integration/web_browser_test.cpp against a real bedtimed with a
// simulated month in its log and an experiment started; it checks what the
// browser sees (the profile, the check-in, the experiment's result) and
// clicks through a check-in answer, logging a cramp and all heat off; the
// C++ side then checks MQTT and SQLite. Screenshots go to the folder given.
//
// Usage: node page_test.mjs URL OUT_DIR   (prints one JSON line; exit 1 on a failure)
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [url, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const result = {};
try {
  // bypassCSP: playwright's waitForFunction evaluates its predicate as a string,
  // which the page's strict policy (no eval) would block.
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.on('pageerror', e => failures.push('page error: ' + e.message));
  page.on('console', m => { if (m.type() === 'error') failures.push('console: ' + m.text()); });

  // Tonight: the plan, the heat line, live updates connected.
  await page.goto(url + '#tonight');
  await page.waitForSelector('body[data-loaded="1"]');
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
  await page.waitForFunction(b => document.querySelector('article[data-sleeper="alex"] p').textContent !== b, before);
  result.logged = 'hamstring';

  // All heat off.
  await page.click('#all-heat-off');
  await page.waitForFunction(() => document.getElementById('toast').textContent.startsWith('pad off'));
  check(!(await page.locator('#toast').getAttribute('class')).includes('bad'), 'all heat off was refused');

  // The morning check-in, after the cramp (so its count above changed): "1 cramp",
  // through the checkin verb; the button then shows it pressed.
  await card.locator('.checkin button[data-answer=one]').click();
  await page.waitForFunction(() => document.getElementById('toast').textContent.startsWith('checkin'));
  check(!(await page.locator('#toast').getAttribute('class')).includes('bad'), 'the check-in was refused: ' + await page.locator('#toast').textContent());
  await page.waitForSelector('article[data-sleeper="alex"] .checkin button[data-answer=one][aria-pressed=true]');
  result.checkin = 'one';

  // Log: the month's rows, a filter, a confirm.
  await page.click('nav a[data-page=log]');
  await page.waitForFunction(() => document.querySelectorAll('#episodes tbody tr').length >= 20);
  result.rows = await page.locator('#episodes tbody tr').count();
  await page.waitForSelector('#checkins tbody tr');
  const checkinRow = page.locator('#checkins tbody tr').first();
  result.checkin_night = (await checkinRow.getAttribute('data-night')).split('/')[1];
  check((await checkinRow.locator('.answer').textContent()) === '1 cramp', 'the Log shows another answer');
  check((await checkinRow.locator('.channel').textContent()) === 'web', 'the Log does not say the page sent it');
  await page.screenshot({ path: out + '/log.png', fullPage: true });
  await page.selectOption('#log-filter select[name=status]', 'false_positive');
  await page.click('#log-filter button[type=submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('#episodes tbody td.status')].every(td => td.classList.contains('false_positive')));
  result.false_positives = await page.locator('#episodes tbody tr').count();
  await page.selectOption('#log-filter select[name=status]', 'unconfirmed');
  await page.click('#log-filter button[type=submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('#episodes tbody td.status')].every(td => td.classList.contains('unconfirmed')));
  const first = page.locator('#episodes tbody tr').first();
  result.confirmed = await first.getAttribute('data-id');
  await first.locator('button.confirm').click();
  await page.waitForFunction(() => document.getElementById('toast').textContent.startsWith('confirm'));

  // Charts: the server's SVG report, loaded as an image.
  await page.click('nav a[data-page=charts]');
  await page.waitForFunction(() => { const i = document.querySelector('#charts img'); return i && i.complete && i.naturalWidth > 0; });
  const x = page.locator('#experiments .experiment[data-sleeper="alex"]');
  await x.waitFor();
  check((await x.locator('h3').textContent()).includes('stretch'), 'the experiment is not the one started');
  check(await x.locator('tbody tr').count() === 2, 'the experiment has not one row per arm');
  check((await x.locator('.interim').textContent()).startsWith('Interim'), 'a new experiment not labelled interim');
  result.probability = await x.locator('.probability').textContent();
  check((await page.locator('#experiments table.what-helps caption').textContent()).includes('descriptive'), 'what helps not labelled descriptive');
  check(!/\b(cures?|treats|prevents)\b/i.test(await page.locator('#experiments').textContent()), 'the Charts claim a treatment');
  await page.screenshot({ path: out + '/charts.png', fullPage: true });

  // Devices and health.
  await page.click('nav a[data-page=devices]');
  await page.waitForSelector('#pads tbody tr');
  check((await page.locator('#health').textContent()).includes('connected'), 'health does not show the broker');
  check(await page.locator('#sensors tbody tr').count() === 1, 'the sensor is missing');
  await page.screenshot({ path: out + '/devices.png', fullPage: true });

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
