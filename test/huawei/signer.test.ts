import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import type { Credentials } from '../../lib/credentials/types';
import { sdkDate, signRequest } from '../../lib/huawei/signer';
import { loadBundleForTest } from '../fixtures/bundle';

// The official worked example of Huawei's signing guide (shared/reference/huawei-cloud-facts.md).
const EXAMPLE = {
  url: new URL(
    'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
  ),
  date: new Date(Date.UTC(2019, 10, 15, 3, 36, 55)),
  credentials: { accessKey: 'QTWAOYTTINDUT2QVKYUC', secretKey: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' },
  signature: '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
};

type SignRequest = typeof signRequest;

describe.each([
  ['as imported (the SDK signer with lodash and moment)', () => signRequest],
  [
    'as bundled for deployment (the SDK signer with the shims)',
    () => loadBundleForTest<{ signRequest: SignRequest }>('test/fixtures/sign-entry.ts').exports.signRequest,
  ],
])('signRequest %s', (_label, load: () => SignRequest) => {
  let sign: SignRequest;
  beforeAll(() => {
    sign = load();
  });

  it('reproduces the official worked example', () => {
    const headers = sign(
      { method: 'GET', url: EXAMPLE.url, headers: { 'Content-Type': 'application/json' } },
      EXAMPLE.credentials,
      EXAMPLE.date,
    );
    expect(headers['X-Sdk-Date']).toBe('20191115T033655Z');
    expect(headers.host).toBe('service.region.example.com');
    expect(headers.Authorization).toBe(
      `SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=${EXAMPLE.signature}`,
    );
  });

  it('signs the security token of temporary credentials', () => {
    const headers = sign({ method: 'GET', url: EXAMPLE.url, headers: {} }, { ...EXAMPLE.credentials, securityToken: 'tok' }, EXAMPLE.date);
    expect(headers['X-Security-Token']).toBe('tok');
    expect(headers.Authorization).toContain('SignedHeaders=host;x-sdk-date;x-security-token,');
  });

  it('agrees with the SDK signer, given the same inputs, on 3,000 generated requests', () => {
    const random = seededRandom(20261128);
    for (let i = 0; i < 3000; i += 1) {
      const request = generatedRequest(random);
      const ours = sign({ method: 'GET', url: request.url, headers: request.headers }, request.credentials, request.date);
      const sdkHeaders: Record<string, string> = { ...request.headers, 'X-Sdk-Date': sdkDate(request.date) };
      if (request.credentials.securityToken) sdkHeaders['X-Security-Token'] = request.credentials.securityToken;
      const theirs = AKSKSigner.sign(
        { method: 'GET', endpoint: request.url.href, headers: sdkHeaders, queryParams: Object.fromEntries(request.url.searchParams) },
        { getAk: () => request.credentials.accessKey, getSk: () => request.credentials.secretKey } as Parameters<typeof AKSKSigner.sign>[1],
      );
      expect(ours).toEqual(theirs);
    }
  });
});

interface GeneratedRequest {
  url: URL;
  headers: Record<string, string>;
  credentials: Credentials;
  date: Date;
}

function generatedRequest(random: () => number): GeneratedRequest {
  const pick = (alphabet: string, min: number, max: number) =>
    Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const host = random() < 0.5 ? 'mrs.cn-north-4.myhuaweicloud.com' : `127.0.0.1:${1024 + Math.floor(random() * 60000)}`;
  const path = `/v2/${pick(alnum, 1, 64)}/clusters/${pick(`${alnum}_-`, 1, 64)}/iam-sync`;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Project-Id': pick(alnum, 1, 64) };
  if (random() < 0.3) headers['X-Extra-Header'] = pick(alnum, 1, 10);
  // Names the header-order shim sorts itself ([a-z0-9-], prefixes of one another) and names it
  // must leave to localeCompare ('_', uppercase, non-ASCII), so both signers sort them alike.
  const shortcut = 'abcdefghijklmnopqrstuvwxyz0123456789-';
  for (let extra = Math.floor(random() * 4); extra > 0; extra -= 1) {
    const name = random() < 0.5 ? `x-${pick(shortcut, 0, 6)}` : pick(`${shortcut}_ABCXYZéßı中`, 1, 8);
    headers[random() < 0.3 ? `x-sdk${name.slice(1)}` : name] = pick(alnum, 1, 10);
  }
  const token = random() < 0.5 ? pick(`${alnum}+/=`, 100, 400) : undefined;
  return {
    url: new URL(`${random() < 0.5 ? 'https' : 'http'}://${host}${path}`),
    headers,
    credentials: { accessKey: pick(alnum, 20, 20), secretKey: pick(alnum, 40, 40), ...(token && { securityToken: token }) },
    date: new Date(Date.UTC(2000, 0, 1) + Math.floor(random() * 40 * 365 * 86_400) * 1000),
  };
}

/** A small deterministic generator, so that a failure reproduces. */
function seededRandom(seed: number): () => number {
  let state = createHash('sha256').update(String(seed)).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the test bundler', () => {
  it('leaves no mrs-bundle-* folder behind once the bundle is loaded', () => {
    const bundle = loadBundleForTest<{ signRequest: SignRequest }>('test/fixtures/sign-entry.ts');
    expect(typeof bundle.exports.signRequest).toBe('function');
    expect(bundle.folder).toMatch(/mrs-bundle-[^/]+$/);
    expect(existsSync(bundle.folder)).toBe(false);
  });
});
