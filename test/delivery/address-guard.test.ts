import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blockedAddressKind, checkEndpointUrl, defaultLookup, isBlockedAddress, type LookupFn } from '../../src/delivery/address-guard.ts';

/** A resolver that knows only the names it is given; anything else is NXDOMAIN. */
function fakeDns(records: Record<string, string[]>): LookupFn {
  return async (hostname) => {
    const addresses = records[hostname];
    if (addresses === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

const strict = { allowHttp: false, allowPrivateNetworks: false, lookup: fakeDns({ 'hooks.example.com': ['93.184.216.34'] }) };
const withHttp = { ...strict, allowHttp: true };

describe('isBlockedAddress', () => {
  const blocked: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['100.127.255.255', 'shared (carrier-grade NAT)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['0.1.2.3', 'unspecified ("this network")'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['240.0.0.1', 'reserved or broadcast'],
  ];
  for (const [ip, kind] of blocked) {
    test(`blocks ${ip} (${kind})`, () => {
      assert.equal(isBlockedAddress(ip), true);
      assert.equal(blockedAddressKind(ip), kind);
    });
  }

  test('allows public IPv4 addresses, including the neighbours of every blocked range', () => {
    const publicAddresses = [
      '8.8.8.8', '93.184.216.34', '1.1.1.1', '11.0.0.0', '9.255.255.255', '126.255.255.255', '128.0.0.0',
      '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0', '169.253.255.255', '169.255.0.0',
      '100.63.255.255', '100.128.0.0', '223.255.255.255', '1.0.0.0',
    ];
    for (const ip of publicAddresses) assert.equal(isBlockedAddress(ip), false, ip);
  });

  test('blocks IPv6 loopback, unspecified, unique-local, link-local and multicast in any spelling', () => {
    const addresses = [
      '::1', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', '[::1]', '::',
      'fc00::1', 'fd12:3456:789a::1', 'FD00::1', 'fe80::1', 'fe80::1%eth0', 'febf:ffff::1', 'fec0::1',
      'ff02::1', 'ff0e::101',
    ];
    for (const ip of addresses) assert.equal(isBlockedAddress(ip), true, ip);
  });

  test('judges IPv6 addresses that carry an IPv4 address by that IPv4 address', () => {
    const blockedCarriers = [
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:7F00:0001', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe', '::127.0.0.1', '::7f00:1', '64:ff9b::7f00:1', '64:ff9b::10.0.0.1',
      '2002:7f00:1::', '2002:a00:1::1', '2002:c0a8:101::1',
    ];
    for (const ip of blockedCarriers) assert.equal(isBlockedAddress(ip), true, ip);
    const publicCarriers = ['::ffff:8.8.8.8', '::ffff:5db8:d822', '64:ff9b::808:808', '2002:808:808::1'];
    for (const ip of publicCarriers) assert.equal(isBlockedAddress(ip), false, ip);
  });

  test('allows public IPv6 addresses', () => {
    for (const ip of ['2606:4700:4700::1111', '2001:4860:4860::8888', 'fbff::1', '2a00:1450:4001:80b::200e']) {
      assert.equal(isBlockedAddress(ip), false, ip);
    }
  });

  test('refuses anything that is not a canonical IP address rather than guessing', () => {
    for (const text of ['localhost', 'example.com', '', '0x7f.0.0.1', '127.1', '2130706433', '0177.0.0.1', '1.2.3', '::gg', '1.2.3.4.5']) {
      assert.equal(isBlockedAddress(text), true, text);
      assert.equal(blockedAddressKind(text), 'not an IP address', text);
    }
  });
});

describe('checkEndpointUrl', () => {
  test('accepts an https URL whose host resolves to a public address', async () => {
    assert.deepEqual(await checkEndpointUrl('https://hooks.example.com/webhooks?x=1', strict), { ok: true });
  });

  test('requires https unless http is allowed', async () => {
    assert.deepEqual(await checkEndpointUrl('http://hooks.example.com/', strict), { ok: false, message: 'url must use https' });
    assert.deepEqual(await checkEndpointUrl('http://hooks.example.com/', withHttp), { ok: true });
    const ftp = await checkEndpointUrl('ftp://hooks.example.com/', withHttp);
    assert.deepEqual(ftp, { ok: false, message: 'url must use https or http' });
  });

  test('refuses what is not an absolute URL', async () => {
    for (const url of ['hooks.example.com/path', '/relative', 'https://', 'not a url', '']) {
      const result = await checkEndpointUrl(url, strict);
      assert.deepEqual(result, { ok: false, message: 'url must be a valid absolute URL' }, url);
    }
  });

  test('refuses credentials in the URL', async () => {
    for (const url of ['https://user:secret@hooks.example.com/', 'https://user@hooks.example.com/', 'https://:pw@hooks.example.com/']) {
      const result = await checkEndpointUrl(url, strict);
      assert.deepEqual(result, { ok: false, message: 'url must not contain a username or password' }, url);
    }
  });

  test('refuses loopback IP literals however they are spelled', async () => {
    const spellings = [
      'http://127.0.0.1/', 'http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://0177.0.0.1/',
      'http://0x7f000001/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0:0:0:0:ffff:7f00:1]/',
    ];
    for (const url of spellings) {
      const result = await checkEndpointUrl(url, withHttp);
      assert.equal(result.ok, false, url);
      assert.match(result.ok ? '' : result.message, /loopback address/, url);
    }
  });

  test('refuses the cloud metadata address and other internal literals', async () => {
    const metadata = await checkEndpointUrl('http://169.254.169.254/latest/meta-data/', withHttp);
    assert.deepEqual(metadata, { ok: false, message: 'url points to 169.254.169.254, a link-local address' });
    for (const url of ['https://10.1.2.3/', 'https://192.168.0.10:8443/', 'https://[fd00::5]/', 'https://0.0.0.0/']) {
      assert.equal((await checkEndpointUrl(url, strict)).ok, false, url);
    }
  });

  test('refuses a hostname if any of its addresses is blocked', async () => {
    const lookup = fakeDns({ 'internal.example.com': ['10.0.0.5'], 'mixed.example.com': ['93.184.216.34', '192.168.1.20'] });
    assert.deepEqual(await checkEndpointUrl('https://internal.example.com/', { ...strict, lookup }), {
      ok: false,
      message: 'url host internal.example.com resolves to 10.0.0.5, a private address',
    });
    const mixed = await checkEndpointUrl('https://mixed.example.com/', { ...strict, lookup });
    assert.equal(mixed.ok, false);
  });

  test('refuses localhost by name, whatever the resolver says', async () => {
    for (const url of ['https://localhost/', 'https://LOCALHOST:8443/', 'https://localhost./', 'https://api.localhost/']) {
      const result = await checkEndpointUrl(url, { ...strict, lookup: fakeDns({}) });
      assert.equal(result.ok, false, url);
    }
  });

  test('the default resolver returns every address of a name, all blocked for localhost', async () => {
    const addresses = await defaultLookup('localhost');
    assert.ok(addresses.length >= 1);
    for (const { address, family } of addresses) {
      assert.ok(family === 4 || family === 6);
      assert.equal(isBlockedAddress(address), true, address);
    }
  });

  test('accepts a hostname that does not resolve: delivery will report DNS_FAILURE', async () => {
    assert.deepEqual(await checkEndpointUrl('https://not-yet-live.example.com/', strict), { ok: true });
  });

  test('with private networks allowed, accepts internal addresses without resolving', async () => {
    const refusingLookup: LookupFn = async () => assert.fail('lookup must not be called');
    const open = { allowHttp: true, allowPrivateNetworks: true, lookup: refusingLookup };
    for (const url of ['http://127.0.0.1:4567/', 'http://localhost/', 'https://internal.example.com/', 'http://[::1]/']) {
      assert.deepEqual(await checkEndpointUrl(url, open), { ok: true }, url);
    }
    assert.equal((await checkEndpointUrl('https://a:b@127.0.0.1/', open)).ok, false);
  });
});
