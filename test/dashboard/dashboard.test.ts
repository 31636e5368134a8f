import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually, startTestHerald, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { browserSkipReason, launchBrowser, screenshot, SCREENSHOTS } from './browser.ts';
import { ensureDashboardBuilt } from './dashboard-build.ts';

// The dashboard in a real browser (Debian's chromium via playwright-core) against a real Herald
// and a real receiver, one of whose endpoints always fails. Screenshots: test-output/dashboard/.

const skip = browserSkipReason();
const TIMEOUT = 10_000;

describe('dashboard in a browser', { skip: skip ?? false }, () => {
  let h: TestHerald;
  let receiver: Receiver;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let okEndpoint: string;
  let failEndpoint: string;
  const browserErrors: string[] = [];

  before(async () => {
    ensureDashboardBuilt();
    receiver = await startReceiver();
    h = await startTestHerald();
    const ok = await h.api.post('/v1/endpoints', { url: `${receiver.base}/ok`, description: 'Billing service', event_types: ['call.*', 'invoice.paid', 'live.*'] });
    const fail = await h.api.post('/v1/endpoints', { url: `${receiver.base}/fail`, description: 'CRM sync' });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(fail.status, 201, fail.text);
    okEndpoint = ok.json.id;
    failEndpoint = fail.json.id;
    for (const [type, callId] of [['call.ended', 'c_1'], ['call.ended', 'c_2'], ['invoice.paid', 'c_3']] as const) {
      const published = await h.api.post('/v1/events', { type, payload: { call_id: callId, duration_s: 42, notes: 'x'.repeat(20) }, tags: { call_id: callId } });
      assert.equal(published.status, 202, published.text);
    }
    // The failing endpoint's 3 deliveries use their 4 attempts (50 ms apart) and fail for good.
    const settled = await eventually(async () => (await h.api.get(`/v1/deliveries?status=failed_permanent&endpoint_id=${failEndpoint}`)).json.data.length === 3);
    assert.ok(settled, 'the failing deliveries did not settle');
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    page = await context.newPage();
    page.on('pageerror', (error) => browserErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await h?.close();
    await receiver?.close();
  });

  test('sign in: a wrong key is refused, the right one is kept in sessionStorage, never in the URL', async () => {
    await page.goto(`${h.url}/logs?status=failed`);
    const keyField = page.getByLabel('Workspace API key');
    await keyField.fill('hk_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Herald does not know that key').waitFor();
    await screenshot(page, '01-sign-in-refused');
    await keyField.fill(h.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Logs' }).waitFor();
    assert.equal(await page.evaluate('sessionStorage.getItem("herald.apiKey")'), h.key);
    assert.ok(!page.url().includes(h.key));
    assert.match(page.url(), /\/logs\?status=failed$/, 'the link that was opened survives signing in');
    await page.goto(`${h.url}/logs`);
    await page.locator('.log-table tbody tr').first().waitFor();
    assert.equal(await page.locator('.log-table tbody tr').count(), 15, '3 successes + 3 × 4 failures');
    await screenshot(page, '02-logs');
  });

  test('filters: choosing them updates the table and the URL, and a shared link shows the same', async () => {
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await page.waitForURL(/status=failed/);
    await page.waitForFunction('!document.querySelector(".log-table tr[data-status=succeeded]") && document.querySelectorAll(".log-table tr[data-status=failed]").length === 12');
    await page.getByLabel('Event type').fill('invoice.paid');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/event_type=invoice.paid/);
    await page.waitForFunction('document.querySelectorAll(".log-table tbody tr").length === 4');
    await screenshot(page, '03-logs-filtered');

    // A shared link with a tag filter and the advanced filters open.
    await page.goto(`${h.url}/logs?tag[call_id]=c_2&attempt=1`);
    await page.waitForFunction('document.querySelectorAll(".log-table tbody tr").length === 2');
    assert.equal(await page.getByLabel('Tags').inputValue(), 'call_id=c_2');
    assert.equal(await page.getByLabel('Attempt', { exact: true }).inputValue(), '1');
    await page.getByRole('link', { name: /Attempt 1 of call.ended/ }).first().click();
    await page.getByRole('link', { name: '← Back to the log' }).click();
    await page.waitForURL(/tag\[call_id\]=c_2&attempt=1$/);
    await page.getByRole('button', { name: /Clear all/ }).click();
    await page.waitForURL(/\/logs$/);
    await page.waitForFunction('document.querySelectorAll(".log-table tbody tr").length === 15');

    await page.getByLabel('Search').fill('nothing-matches-this');
    await page.keyboard.press('Enter');
    await page.getByText('No attempt matches these filters').waitFor();
    await screenshot(page, '03b-logs-no-match');
  });

  test('keyset paging goes forward and back through the cursor stack', async () => {
    await page.goto(`${h.url}/logs?limit=6`);
    const ids = () => page.locator('.log-table tbody tr a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    await page.waitForFunction('document.querySelectorAll(".log-table tbody tr").length === 6');
    const first = await ids();
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.getByText('Page 2').waitFor();
    await page.waitForFunction(`!document.querySelector('.log-table a[href="${first[0]}"]')`);
    const second = await ids();
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.getByText('Page 3').waitFor();
    await page.waitForFunction('document.querySelectorAll(".log-table tbody tr").length === 3');
    assert.equal(await page.getByRole('button', { name: 'Next →' }).isDisabled(), true);
    const third = await ids();
    assert.equal(new Set([...first, ...second, ...third]).size, 15, 'every entry once across the pages');
    await page.getByRole('button', { name: '← Previous' }).click();
    await page.getByText('Page 2').waitFor();
    await page.waitForFunction('document.querySelectorAll(".log-table tbody tr").length === 6');
    assert.deepEqual(await ids(), second);
  });

  test('open a failed attempt: response body, headers, timing and the other attempts', async () => {
    await page.goto(`${h.url}/logs?status=failed&endpoint_id=${failEndpoint}&attempt=4&event_type=invoice.paid`);
    const row = page.locator('.log-table tbody tr').first();
    await row.waitFor();
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: /Attempt #4/ }).waitFor();
    assert.match(page.url(), /\/logs\/log_[0-9a-f]{32}$/);
    await page.getByText('"error": "failing on purpose"').waitFor();
    await page.getByRole('heading', { name: 'Timing' }).waitFor();
    await page.getByText('Waiting (TTFB)').waitFor();
    assert.equal(await page.locator('.attempt-list li').count(), 4);
    await page.getByText('No automatic retry is left').waitFor();
    await page.getByRole('rowheader', { name: 'webhook-signature' }).waitFor();
    await screenshot(page, '04-log-detail-failed');
  });

  test('retry it: a manual attempt #5 joins the delivery', async () => {
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByText(/Retry queued/).waitFor();
    await page.locator('.attempt-list li', { hasText: 'Attempt #5' }).waitFor();
    await page.locator('.attempt-list li', { hasText: 'manual retry' }).waitFor();
    await screenshot(page, '05-log-detail-retried');
  });

  test('live tail: a new attempt appears at the top without reloading', async () => {
    await page.goto(`${h.url}/logs`);
    await page.locator('.log-table tbody tr').first().waitFor();
    await page.getByRole('button', { name: 'Live' }).click();
    await page.getByRole('button', { name: 'Live: on' }).waitFor();
    assert.match(page.url(), /live=1/);
    const published = await h.api.post('/v1/events', { type: 'live.check', payload: { n: 1 }, endpoint_ids: [okEndpoint] });
    assert.equal(published.status, 202, published.text);
    const newRow = page.locator('.log-table tbody tr.row-new', { hasText: 'live.check' });
    await newRow.waitFor();
    assert.match((await page.locator('.log-table tbody tr').first().textContent()) ?? '', /live\.check/);
    await screenshot(page, '06-logs-live');
    await page.getByRole('button', { name: 'Live: on' }).click();
    await page.waitForURL((url) => !url.search.includes('live=1'));
  });

  test('endpoints: health badges and sparklines, then an endpoint page with charts, secret and test event', async () => {
    await page.getByRole('link', { name: 'Endpoints', exact: true }).click();
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    const crm = page.locator('tr', { hasText: 'CRM sync' });
    await crm.getByText('Failing').waitFor();
    await page.locator('tr', { hasText: 'Billing service' }).getByText('Healthy').waitFor();
    await page.locator('svg.sparkline').nth(1).waitFor();
    await screenshot(page, '07-endpoints');

    await crm.getByRole('link', { name: 'CRM sync' }).click();
    await page.getByRole('heading', { name: 'CRM sync' }).waitFor();
    await page.getByRole('heading', { name: 'Success rate over time' }).waitFor();
    await page.locator('.bar-list', { hasText: 'HTTP_STATUS' }).waitFor();
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    const secret = await page.getByTestId('endpoint-secret').textContent();
    assert.match(secret ?? '', /^whsec_/);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText(/^Rotated\./).waitFor();
    assert.notEqual(await page.getByTestId('endpoint-secret').textContent(), secret);
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText(/Test event evt_[0-9a-f]+ sent/).waitFor();
    await page.locator('.log-table tbody tr', { hasText: 'herald.test' }).first().waitFor();
    await screenshot(page, '08-endpoint-page');

    // Disable, then enable again.
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByText(/^Disabled: new events skip it/).waitFor();
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByText(/^Enabled: Herald delivers/).waitFor();
  });

  test('endpoints: create one (Herald validation shown beside the field), then edit it', async () => {
    await page.goto(`${h.url}/endpoints`);
    await page.getByRole('link', { name: 'New endpoint' }).first().click();
    await page.getByLabel('URL').fill('ftp://nowhere');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByText(/Herald refused it/).waitFor();
    await screenshot(page, '09-endpoint-create-invalid');
    await page.getByLabel('URL').fill(`${receiver.base}/status/204`);
    await page.getByLabel('Description').fill('Analytics');
    await page.getByLabel('Event types').fill('call.ended');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('heading', { name: 'Analytics' }).waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Description').fill('Analytics (EU)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Analytics (EU)' }).waitFor();
  });

  test('events: list with fan-out, and an event with each delivery’s status', async () => {
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    const row = page.locator('.event-table tbody tr', { hasText: 'invoice.paid' });
    await row.waitFor();
    await row.getByText('failed permanently').waitFor();
    await screenshot(page, '10-events');
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: /Fan-out \(2 endpoints\)/ }).waitFor();
    await page.locator('tr', { hasText: '/fail' }).getByText('failed permanently').waitFor();
    await page.locator('tr', { hasText: '/ok' }).getByText('succeeded').waitFor();
    await screenshot(page, '11-event-detail');
  });

  test('keyboard: Tab reaches the navigation and a log row, Enter opens it', async () => {
    await page.goto(`${h.url}/logs`);
    await page.locator('.log-table tbody tr').first().waitFor();
    await page.keyboard.press('Tab'); // skip link
    await page.keyboard.press('Tab'); // brand
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Logs');
    const link = page.locator('.log-table tbody tr').first().getByRole('link');
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Retry' }).waitFor();
  });

  test('phone (375 px): no sideways scrolling on the main pages', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    phone.setDefaultTimeout(TIMEOUT);
    try {
      const mobile = await phone.newPage();
      await mobile.goto(`${h.url}/logs`);
      await screenshot(mobile, '12-phone-sign-in');
      await mobile.getByLabel('Workspace API key').fill(h.key);
      await mobile.getByRole('button', { name: 'Sign in' }).click();
      const pages: Array<[string, string]> = [
        ['/logs', '13-phone-logs'],
        [`/endpoints`, '15-phone-endpoints'],
        [`/endpoints/${failEndpoint}`, '16-phone-endpoint'],
        ['/events', '17-phone-events'],
      ];
      await mobile.locator('.log-table tbody tr').first().waitFor();
      await screenshot(mobile, '13-phone-logs', { fullPage: false });
      await mobile.locator('.log-table tbody tr').first().getByRole('link').click();
      await mobile.getByRole('button', { name: 'Retry' }).waitFor();
      await screenshot(mobile, '14-phone-log-detail', { fullPage: false });
      assert.ok((await mobile.evaluate('document.documentElement.scrollWidth')) as number <= 375, 'log detail fits 375 px');
      for (const [path, name] of pages.slice(1)) {
        await mobile.goto(h.url + path);
        await mobile.locator('.data-table tbody tr, .charts').first().waitFor();
        await mobile.waitForLoadState('networkidle');
        await screenshot(mobile, name, { fullPage: false });
        if (path.startsWith('/endpoints/')) await mobile.locator('.charts').screenshot({ path: `${SCREENSHOTS}16b-phone-endpoint-charts.png` });
        assert.ok((await mobile.evaluate('document.documentElement.scrollWidth')) as number <= 375, `${path} fits 375 px`);
      }
    } finally {
      await phone.close();
    }
  });

  test('no script errors in the browser', () => {
    assert.deepEqual(browserErrors, []);
  });
});
